// `circles admin real-name`: records a student's real name, sealed at rest, for counselors
// working a case about them (and only them) to see. The name is never printed back or logged.
#include <stdexcept>

#include "circles/gateway/admin_command.hpp"
#include "circles/gateway/command_line.hpp"
#include "circles/storage/limits.hpp"

namespace circles::gateway {

int run_real_name(std::vector<std::string> args, std::ostream& out) {
    const auto username = take_option(args, "--user");
    const auto name = take_option(args, "--name");
    const auto where = take_store_choice(args, "real-name");
    no_more_args(args);
    if (username.empty() || name.empty()) {
        throw std::invalid_argument(
            "real-name needs --user USERNAME and --name \"NAME\" (none "
            "removes it)");
    }
    const bool clear = name == "none";
    if (name.size() > storage::limits::max_real_name_bytes) {
        throw std::invalid_argument("--name: at most 200 bytes");
    }
    auto store = open_chosen_store(where);
    auto user = store->find_user(username);
    if (!user) throw std::runtime_error("real-name: no user " + username);
    if (user->user_role != storage::role::student) {
        throw std::invalid_argument("real-name: " + username + " is not a student");
    }
    must(store->set_real_name(user->id, clear ? "" : name), "real-name");
    out << "user " << user->id << " (" << user->display_name << "): real name "
        << (clear ? "removed" : "recorded") << "\n";
    return 0;
}

}  // namespace circles::gateway
