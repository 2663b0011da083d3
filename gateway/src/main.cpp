// circles — the Circles server.
//
//   circles serve --config FILE            serve with a configuration file (and CIRCLES_* env)
//   circles demo [--listen HOST:PORT] [--data DIR] [--config FILE]
//                                          seed the demo school into DIR on first start, serve it
//   circles moderate [--policy FILE] [--room-kind KIND]
//                                          decide JSON lines from stdin (for policy authors)
//   circles admin bench-fixture --rooms R --tokens-out FILE (--data DIR | --config FILE)
//                                          provision users, rooms and tokens for circles-bench
//   circles admin school-escalation --school SLUG (--data DIR | --config FILE) [--deadline-seconds
//   N]
//                 [--webhook URL|none] [--contacts "u1,u2;u3"]
//                                          how a school's escalations are paged
//   circles audit verify (--data DIR | --config FILE)
//                                          check the audit trail's hash chain (exit 0 intact,
//                                          1 broken)
//   circles version
//
// Start-up and configuration failures print one clear line and exit 2.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "circles/gateway/admin_command.hpp"
#include "circles/gateway/audit_command.hpp"
#include "circles/gateway/command_line.hpp"
#include "circles/gateway/config.hpp"
#include "circles/gateway/moderate_command.hpp"
#include "circles/gateway/server.hpp"
#include "circles/storage/store.hpp"
#include "demo.hpp"

namespace {

using circles::gateway::config;

constexpr const char* usage =
    "usage:\n"
    "  circles serve --config FILE\n"
    "  circles demo [--listen HOST:PORT] [--data DIR] [--config FILE]\n"
    "  circles moderate [--policy FILE] [--room-kind KIND] < lines.jsonl\n"
    "  circles admin bench-fixture --rooms R [--room-size S] --tokens-out FILE\n"
    "                              (--data DIR | --config FILE) [--school SLUG] [--ttl-hours H]\n"
    "  circles admin school-escalation --school SLUG (--data DIR | --config FILE)\n"
    "                              [--deadline-seconds N] [--webhook URL|none] [--contacts "
    "\"u1,u2;u3\"]\n"
    "  circles admin room-schedule --room ID (--data DIR | --config FILE) [--time-zone ZONE]\n"
    "                              [--slots \"tue 12:10 40, thu 12:10 40\"|none]\n"
    "  circles audit verify (--data DIR | --config FILE)\n"
    "  circles version\n";

std::filesystem::path executable_path(const char* argv0) {
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::absolute(argv0) : p;
}

using circles::gateway::no_more_args;
using circles::gateway::take_option;

int run_demo(std::vector<std::string> args, const std::filesystem::path& exe) {
    const auto file = take_option(args, "--config");
    config c = circles::gateway::load_config(file);
    const auto listen = take_option(args, "--listen");
    const auto data = take_option(args, "--data");
    no_more_args(args);
    if (!listen.empty()) circles::gateway::set_listen(c, listen);
    if (!data.empty()) c.data_dir = data;
    circles::gateway::finish_defaults(c, exe);
    {
        circles::storage::store_options so;
        so.data_dir = c.data_dir;
        auto store = circles::storage::open_store(c.store, so);
        const auto logins = circles::gateway::seed_demo(*store);
        std::printf("Circles demo school: Maple Grove High School (data in %s)\n",
                    c.data_dir.string().c_str());
        std::printf("Every demo login uses the password '%s':\n", circles::gateway::demo_password);
        for (const auto& l : logins) {
            std::printf("  %-12s %-12s shown as \"%s\"\n", l.username.c_str(), l.role.c_str(),
                        l.display_name.c_str());
        }
        std::fflush(stdout);
    }
    return circles::gateway::serve(c, [&](std::uint16_t port) {
        std::printf("Open http://%s:%u in a browser.\n", c.listen_host.c_str(), port);
        std::fflush(stdout);
    });
}

int run_moderate(std::vector<std::string> args) {
    const auto file = take_option(args, "--policy");
    const auto kind = take_option(args, "--room-kind");
    no_more_args(args);
    const auto p =
        file.empty() ? circles::moderation::policy{} : circles::moderation::load_policy(file);
    std::ios::sync_with_stdio(false);
    circles::gateway::moderate_lines(p, kind, std::cin, std::cout);
    return 0;
}

int run_serve(std::vector<std::string> args, const std::filesystem::path& exe) {
    const auto file = take_option(args, "--config");
    no_more_args(args);
    if (file.empty()) throw std::invalid_argument("serve needs --config FILE");
    config c = circles::gateway::load_config(file);
    circles::gateway::finish_defaults(c, exe);
    return circles::gateway::serve(c);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
        std::fputs(usage, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    const std::string command = args.front();
    args.erase(args.begin());
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    if (const char* level = std::getenv("CIRCLES_LOG_LEVEL")) {
        spdlog::set_level(spdlog::level::from_str(level));
    }
    try {
        const auto exe = executable_path(argv[0]);
        if (command == "demo") return run_demo(std::move(args), exe);
        if (command == "serve") return run_serve(std::move(args), exe);
        if (command == "moderate") return run_moderate(std::move(args));
        if (command == "admin") return circles::gateway::run_admin(std::move(args), std::cout);
        if (command == "audit") return circles::gateway::run_audit(std::move(args), std::cout);
        if (command == "version") {
            std::puts("circles 0.1.0");
            return 0;
        }
        std::fprintf(stderr, "circles: unknown command '%s'\n%s", command.c_str(), usage);
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "circles: %s\n", e.what());
        return 2;
    }
}
