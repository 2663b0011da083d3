#pragma once
// The moderation engine's entry point. `evaluate` is a pure function of the policy, who is
// sending, and the text: no I/O, no clock, no storage, so `circles moderate`, the tests and
// the benchmarks link only this library. Stateful limits (send rates) live in rate_limiter.
//
// After the size and emptiness limits, the text is normalised into match views
// (normalizer), scanned once with the room kind's Hyperscan database (ground rules, contact
// details, risk lexicon, protected terms, allow-lists), and the hits become one decision.
// A risk hit always escalates; a disclosure is never blocked.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "circles/moderation/flood_guard.hpp"

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
    // Why the text could not be checked (the matcher, memory, ICU), empty when it was. Such a
    // text is held for a facilitator to read, never passed unchecked (rule_id unscanned_rule,
    // category "unscanned"); where no facilitator would read it, the caller escalates it.
    std::string fault;
};

// The rule_id of a decision whose text could not be checked.
inline constexpr std::string_view unscanned_rule = "moderation.unscanned";

// A school's compiled policy: ground rules, rules, presets per room kind, crisis contacts.
// Cheap to copy (the compiled databases are shared and immutable). A default-constructed
// policy is the built-in default school policy.
namespace detail {
struct compiled_policy;
}

// A numbered ground rule, as shown to students.
struct ground_rule {
    int number = 0;
    std::string text;
};

// A policy that does not load or validate: what() is "FILE:LINE: problem".
class policy_error : public std::runtime_error {
  public:
    policy_error(std::string file, int line, std::string message);
    const std::string& file() const noexcept { return file_; }
    int line() const noexcept { return line_; }
    const std::string& message() const noexcept { return message_; }

  private:
    std::string file_;
    int line_;
    std::string message_;
};

class policy {
  public:
    // The built-in default school policy (moderation/policies/default.toml, embedded at build
    // time), compiled once per process on first use.
    policy();
    std::string id = "default";
    std::size_t max_message_bytes = moderation::max_message_bytes;

    // The ground rules students see in a room of this kind (the school's numbered rules).
    const std::vector<ground_rule>& ground_rules(std::string_view room_kind = {}) const;
    // The supportive reply with the school's crisis contacts, shown on every escalation.
    const std::string& crisis_reply() const;
    // The school's flooding limits, for a flood_guard, and the ground rule a flood cites.
    const flood_limits& flood() const;
    int flood_ground_rule() const;
    // Room kinds with a preset ("gsa", "social_group", ...).
    std::vector<std::string> room_kinds() const;

    // Implementation access (compiled databases); not for callers outside the engine.
    const detail::compiled_policy& compiled() const noexcept { return *impl_; }
    explicit policy(std::shared_ptr<const detail::compiled_policy> impl);

  private:
    std::shared_ptr<const detail::compiled_policy> impl_;
};

// Loads, validates and compiles a policy file. Throws policy_error naming the file, line and
// problem; the caller keeps its old policy in force.
policy load_policy(const std::filesystem::path& file);
// The same from TOML text; `source_name` is the file name used in errors.
policy parse_policy(std::string_view toml_text, std::string source_name = "<policy>");

// Every text passes through here. `room_kind` selects the preset ("gsa", "social_group",
// ...; empty or unknown: the school's base rules). Pure: no I/O, no clock. A text that cannot
// be checked (Hyperscan, memory, ICU failing) is held, with `fault` saying why; the caller
// logs it.
decision evaluate(const policy& p, std::string_view room_kind, const sender& who,
                  std::string_view text);
// The same with the school's base rules.
decision evaluate(const policy& p, const sender& who, std::string_view text);

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
bool valid_utf8(std::string_view text) noexcept;

}  // namespace circles::moderation
