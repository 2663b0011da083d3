#pragma once
// The demo school that `circles demo` seeds into an empty data folder: students with
// pseudonyms, a facilitator, a counselor and an admin, and three rooms of different kinds.
#include <string>
#include <vector>

#include "circles/storage/store.hpp"

namespace circles::gateway {

struct demo_login {
    std::string username;
    std::string display_name;
    std::string role;
};

inline constexpr const char* demo_password = "circles-demo";

// Seeds the demo school unless it exists. Returns the logins either way.
std::vector<demo_login> seed_demo(storage::store& store);

}  // namespace circles::gateway
