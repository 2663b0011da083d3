#pragma once
// Helpers shared by the moderation tests: a small policy in TOML and an evaluate shortcut.
#include <string>

#include "circles/moderation/engine.hpp"

namespace circles::moderation::testing {

inline const sender student{7, "student"};

inline std::string base_toml() {
    return R"([crisis]
reply = "You matter. Call or text 988."

[[ground_rules]]
number = 1
text = "Be kind."

[[ground_rules]]
number = 2
text = "No contact details."
)";
}

inline const policy& default_policy() {
    static const policy p;
    return p;
}

inline decision check(std::string_view text, std::string_view kind = {},
                      const policy& p = default_policy()) {
    return evaluate(p, kind, student, text);
}

}  // namespace circles::moderation::testing
