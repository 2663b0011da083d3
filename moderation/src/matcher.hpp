#pragma once
// One Hyperscan block-mode database. Compiled once, immutable, shared by every thread.
// Scanning needs scratch space that must never be shared between threads: each thread keeps
// one scratch, grown (hs_alloc_scratch) the first time it scans a given database.
#include <hs/hs.h>

#include <cstdint>
#include <exception>
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

// Thrown when Hyperscan could not scan a text (or fit this thread's scratch to a database):
// the text was not checked. `code` is Hyperscan's (hs_error_t).
struct scan_error : std::runtime_error {
    explicit scan_error(int code);
    int code;
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
    // order. `text` must be valid UTF-8. Throws scan_error when Hyperscan fails (a scan from
    // inside on_match on the same thread is one: the thread's scratch is in use).
    template <typename F>
    void scan(std::string_view text, F& on_match) const {
        // An exception never unwinds through Hyperscan's C frames (the thread's scratch would
        // stay marked in use): it stops the scan and is thrown again here.
        struct context {
            F& on_match;
            std::exception_ptr error;
        } ctx{on_match, nullptr};
        const int rc = scan_with(
            text,
            [](unsigned id, unsigned long long from, unsigned long long to, unsigned,
               void* c) -> int {
                auto& cx = *static_cast<context*>(c);
                try {
                    cx.on_match(id, from, to);
                    return 0;  // go on
                } catch (...) {
                    cx.error = std::current_exception();
                    return 1;  // stop
                }
            },
            &ctx);
        if (ctx.error) std::rethrow_exception(ctx.error);
        if (rc != HS_SUCCESS) throw scan_error(rc);
    }

  private:
    // Hyperscan's result; throws scan_error when this thread's scratch cannot be fitted.
    int scan_with(std::string_view text, match_event_handler on_event, void* ctx) const;

    hs_database_t* db_ = nullptr;
    std::uint64_t serial_;
};

}  // namespace circles::moderation::detail
