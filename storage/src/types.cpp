// Role names as they appear in configuration, the admin API and logs.
#include "circles/storage/types.hpp"

#include <string_view>

namespace circles::storage {

const char* to_string(role r) noexcept {
    switch (r) {
        case role::student:
            return "student";
        case role::facilitator:
            return "facilitator";
        case role::counselor:
            return "counselor";
        case role::admin:
            return "admin";
    }
    return "unknown";
}

std::optional<role> parse_role(std::string_view s) noexcept {
    for (role r : {role::student, role::facilitator, role::counselor, role::admin}) {
        if (s == to_string(r)) return r;
    }
    return std::nullopt;
}

const char* to_string(escalation_source s) noexcept {
    switch (s) {
        case escalation_source::risk_rule:
            return "risk_rule";
        case escalation_source::peer_report:
            return "peer_report";
        case escalation_source::need_to_talk:
            return "need_to_talk";
        case escalation_source::facilitator:
            return "facilitator";
    }
    return "unknown";
}

}  // namespace circles::storage
