#pragma once
// One Hyperscan block-mode database. Compiled once, immutable, shared by every thread.
// Scanning needs scratch space that must never be shared between threads: each thread keeps
// one scratch, grown (hs_alloc_scratch) the first time it scans a given database.
#include <hs/hs.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace circles::moderation::detail {

struct expression {
    std::string regex;
    unsigned flags = 0;
    unsigned id = 0;  // what a match of it reports
};

// Thrown when an expression does not compile; `index` is the offending expression's id.
struct compile_error : std::runtime_error {
    compile_error(std::size_t index, const std::string& what)
        : std::runtime_error(what), index(index) {}
    std::size_t index;
};

class matcher {
  public:
    // Every expression gets HS_FLAG_UTF8 plus its own flags (HS_FLAG_SOM_LEFTMOST where a
    // span is needed). No
    // HS_FLAG_UCP: Hyperscan refuses \b in UCP mode, and the views are case-folded and
    // mostly ASCII after the skeleton, so ASCII word boundaries are what we want. At least
    // one expression.
    explicit matcher(const std::vector<expression>& expressions);
    ~matcher();
    matcher(const matcher&) = delete;
    matcher& operator=(const matcher&) = delete;

    // Calls on_match(id, from, to) for every match (from = 0 without SOM), in no promised
    // order. `text` must be valid UTF-8.
    template <typename F>
    void scan(std::string_view text, F& on_match) const {
        scan_with(
            text,
            [](unsigned id, unsigned long long from, unsigned long long to, unsigned,
               void* ctx) -> int {
                (*static_cast<F*>(ctx))(id, from, to);
                return 0;  // go on
            },
            &on_match);
    }

  private:
    void scan_with(std::string_view text, match_event_handler on_event, void* ctx) const;

    hs_database_t* db_ = nullptr;
    std::uint64_t serial_;
};

}  // namespace circles::moderation::detail
