#pragma once
// The compiled, immutable form of a policy: what policy_loader produces from TOML and what
// evaluate() reads. Shared between copies of `policy` through a shared_ptr.
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "circles/moderation/engine.hpp"
#include "matcher.hpp"

namespace circles::moderation::detail {

enum class contact_kind { phone, email, handle, address, link };
inline constexpr std::size_t contact_kinds = 5;
const char* to_string(contact_kind k) noexcept;

// Which view a pattern scans (see normalizer.hpp).
enum class view_id : unsigned char { plain, word, squeezed };

struct rule {
    std::string id;
    std::string category;
    action act = action::mask;
    int ground_rule = 0;
    int line = 0;  // in the policy file, for errors
    std::vector<std::string> keywords, regexes, allow;
    std::vector<int> regex_lines;
    bool squeezed = false;
};

// What a compiled pattern stands for.
struct pattern {
    enum class kind : unsigned char { rule, rule_allow, room_allow, protected_term, risk, contact };
    kind k = kind::rule;
    view_id view = view_id::word;
    std::size_t index = 0;         // rule index, risk entry index or contact kind
    bool needs_separator = false;  // squeezed ground-rule hit must span a removed separator
    bool left_bound = true, right_bound = true;  // squeezed hit must start / end a token
};

struct preset {
    std::string name;  // "" = the school's base rules
    std::vector<rule> rules;
    std::array<action, contact_kinds> contacts{};
    std::array<bool, contact_kinds> contacts_on{};
    std::vector<std::string> allow;  // words this room kind allows (reclaimed words)
    std::vector<pattern> patterns;
    // One database per view (view_id), holding that view's patterns: each view's text is
    // scanned by its own patterns alone. Null for a view without any.
    std::array<std::unique_ptr<matcher>, 3> dbs;
};

struct compiled_policy {
    std::string id = "default";
    std::string source;  // file name
    std::size_t max_message_bytes = moderation::max_message_bytes;
    std::vector<ground_rule> ground_rules;
    std::string crisis_reply;
    // A self-harm or abuse disclosure waits for a facilitator (held) instead of reaching the
    // room at once; it is escalated either way. [crisis] hold_disclosures, default false.
    bool hold_disclosures = false;
    int contact_ground_rule = 0;
    int flood_ground_rule = 0;
    flood_limits flood;
    preset base;
    std::map<std::string, preset, std::less<>> kinds;

    const preset& for_kind(std::string_view kind) const {
        auto it = kinds.find(kind);
        return it == kinds.end() ? base : it->second;
    }
    const ground_rule* find_ground_rule(int number) const {
        for (const auto& g : ground_rules)
            if (g.number == number) return &g;
        return nullptr;
    }
};

// One hit, in original-text byte offsets.
struct hit {
    const pattern* pat;
    std::uint32_t begin, end;
};

// Scans each view with the preset's database for it and returns every hit, mapped to the
// original.
struct views;
std::vector<hit> scan(const preset& p, const views& v);

// Hits sorted by what they are, ground-rule hits inside an allowed span (the rule's allow
// list, the room kind's allowed words, and with `protect` the protected identity terms)
// already dropped.
struct classified {
    std::vector<hit> rules, contacts, risks;
};
classified classify(const preset& p, const std::vector<hit>& hits, bool protect);

// Builds the preset's patterns and its database per view. Throws policy_error (file, line) on a
// pattern Hyperscan refuses, and when a rule would stop a protected identity term.
void compile_preset(preset& p, const std::string& file);

// Parses, validates and compiles a policy (policy_loader.cpp).
std::shared_ptr<const compiled_policy> compile_policy(std::string_view text,
                                                      const std::string& file);

// The built-in default policy's TOML text (generated from policies/default.toml).
std::string_view default_policy_toml();

}  // namespace circles::moderation::detail
