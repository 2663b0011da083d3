#pragma once
// The moderation engine's entry point. `evaluate` is a pure function of the policy, who is
// sending, and the text: no I/O, no clock, no storage, so `circles moderate`, the tests and
// the benchmarks link only this library. Stateful limits (send rates) live in rate_limiter.
//
// Today the engine enforces the size and emptiness limits; ground rules, normalisation,
// matching and risk detection fill the same decision later without changing its callers.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace circles::moderation {

// Largest message text a student may send, in UTF-8 bytes. Enforced here and announced to
// clients in Hello so the composer can warn before sending.
inline constexpr std::size_t max_message_bytes = 4000;

enum class action {
    allow,  // stored and shown as written
    mask,   // stored as written, shown with the matched parts masked
    hold,   // stored, shown only to facilitators until approved
    block,  // not stored; the sender is told which ground rule
};

const char* to_string(action a) noexcept;

// Why a message was stopped before any ground rule applies.
enum class limit_violation { none, empty, too_large, invalid_utf8 };

struct policy {
    std::string id = "default";
    std::size_t max_message_bytes = moderation::max_message_bytes;
};

struct sender {
    std::int64_t user_id = 0;
    std::string role;  // "student", "facilitator", ...
};

struct decision {
    action act = action::allow;
    bool escalate = false;  // a risk signal: always creates an escalation
    std::vector<std::string> categories;
    std::string rule_id;  // the rule that decided, empty when allowed
    int ground_rule = 0;  // the ground-rule number the rule cites, 0 if none
    limit_violation limit = limit_violation::none;
    std::string masked_text;  // with action::mask
    std::string reply;        // what the sender is told, if anything
};

decision evaluate(const policy& p, const sender& who, std::string_view text);

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
bool valid_utf8(std::string_view text) noexcept;

}  // namespace circles::moderation
