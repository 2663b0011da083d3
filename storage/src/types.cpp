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

}  // namespace circles::storage
