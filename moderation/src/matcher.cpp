#include "matcher.hpp"

#include <atomic>
#include <limits>
#include <unordered_set>

namespace circles::moderation::detail {
namespace {

std::atomic<std::uint64_t> next_serial{1};

// This thread's scratch and the databases it has already been grown for.
struct thread_scratch {
    hs_scratch_t* scratch = nullptr;
    std::unordered_set<std::uint64_t> fitted;
    ~thread_scratch() {
        if (scratch) hs_free_scratch(scratch);
    }
};

hs_scratch_t* scratch_for(const hs_database_t* db, std::uint64_t serial) {
    thread_local thread_scratch ts;
    if (!ts.fitted.contains(serial)) {
        if (const auto rc = hs_alloc_scratch(db, &ts.scratch); rc != HS_SUCCESS) {
            // A failed grow may have freed the old scratch (Hyperscan then sets it to null):
            // every database is fitted again on its next scan, not held forever.
            if (rc != HS_SCRATCH_IN_USE) ts.fitted.clear();
            throw scan_error(rc);
        }
        if (ts.fitted.size() > 1024) ts.fitted.clear();  // re-fitting is only a small cost
        ts.fitted.insert(serial);
    }
    return ts.scratch;
}

}  // namespace

scan_error::scan_error(int code)
    : std::runtime_error("Hyperscan error " + std::to_string(code)), code(code) {}

matcher::matcher(const std::vector<expression>& expressions) : serial_(next_serial++) {
    std::vector<const char*> regexes;
    std::vector<unsigned> flags, ids;
    for (std::size_t i = 0; i < expressions.size(); ++i) {
        regexes.push_back(expressions[i].regex.c_str());
        flags.push_back(expressions[i].flags | HS_FLAG_UTF8);
        ids.push_back(expressions[i].id);
    }
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(regexes.data(), flags.data(), ids.data(),
                         static_cast<unsigned>(regexes.size()), HS_MODE_BLOCK, nullptr, &db_,
                         &err) != HS_SUCCESS) {
        const std::string message = err && err->message ? err->message : "compile failed";
        const std::size_t index =
            err && err->expression >= 0 &&
                    static_cast<std::size_t>(err->expression) < expressions.size()
                ? expressions[static_cast<std::size_t>(err->expression)].id
                : std::numeric_limits<std::size_t>::max();
        hs_free_compile_error(err);
        throw compile_error(index, message);
    }
}

matcher::~matcher() {
    if (db_) hs_free_database(db_);
}

int matcher::scan_with(std::string_view text, match_event_handler on_event, void* ctx) const {
    hs_scratch_t* scratch = scratch_for(db_, serial_);
    return hs_scan(db_, text.data(), static_cast<unsigned>(text.size()), 0, scratch, on_event, ctx);
}

}  // namespace circles::moderation::detail
