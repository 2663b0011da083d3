#include "circles/gateway/admin_command.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ostream>
#include <stdexcept>
#include <string_view>

#include "circles/gateway/command_line.hpp"
#include "circles/storage/limits.hpp"

namespace circles::gateway {

namespace {

constexpr const char* admin_usage =
    "circles admin bench-fixture --rooms R [--room-size S] --tokens-out FILE\n"
    "                            (--data DIR | --config FILE) [--school SLUG] [--ttl-hours H]\n"
    "circles admin school-escalation --school SLUG (--data DIR | --config FILE)\n"
    "                            [--deadline-seconds N] [--webhook URL|none]\n"
    "                            [--contacts \"user1,user2;user3\"]\n"
    "circles admin room-schedule --room ID (--data DIR | --config FILE)\n"
    "                            [--time-zone ZONE] [--slots \"tue 12:10 40, thu 12:10 40\"|none]\n"
    "circles admin real-name --user USERNAME --name \"NAME\"|none (--data DIR | --config FILE)";
constexpr std::size_t max_fixture_rooms = 1'000'000;
constexpr std::size_t max_fixture_room_size = 1000;

constexpr const char* fixture = "bench-fixture: ";

storage::school find_or_create_school(storage::store& store, const std::string& slug) {
    if (auto found = store.find_school(slug)) return std::move(*found);
    return must(store.create_school(slug, "Load test school (" + slug + ")"),
                std::string(fixture) + "school");
}

storage::user find_or_create_user(storage::store& store, const storage::school& school,
                                  const std::string& username, const std::string& display) {
    if (auto found = store.find_user(username)) {
        if (found->school != school.id) {
            throw std::runtime_error("bench-fixture: user " + username +
                                     " exists in another school");
        }
        return std::move(*found);
    }
    return must(
        store.create_user_without_password(school.id, username, display, storage::role::student),
        fixture + ("user " + username));
}

// A room is found again through its first member, since rooms have no unique name.
storage::room find_or_create_room(storage::store& store, const storage::school& school,
                                  const storage::user& first_member, const std::string& name) {
    for (auto& r :
         must(store.rooms_of(first_member.id), fixture + ("rooms of " + first_member.username))) {
        if (r.school == school.id && r.name == name) return std::move(r);
    }
    return must(store.create_room(school.id, name, storage::room_kind::peer_network),
                fixture + ("room " + name));
}

int run_bench_fixture(std::vector<std::string> args, std::ostream& out) {
    const auto rooms = take_option(args, "--rooms");
    const auto room_size = take_option(args, "--room-size");
    const auto tokens_out = take_option(args, "--tokens-out");
    const auto where = take_store_choice(args, "bench-fixture");
    const auto school = take_option(args, "--school");
    const auto ttl_hours = take_option(args, "--ttl-hours");
    no_more_args(args);
    if (rooms.empty() || tokens_out.empty()) {
        throw std::invalid_argument(std::string("bench-fixture needs --rooms and --tokens-out\n") +
                                    admin_usage);
    }
    bench_fixture_options o;
    o.rooms = parse_count("--rooms", rooms, 1, max_fixture_rooms);
    if (!room_size.empty()) {
        o.room_size = parse_count("--room-size", room_size, 1, max_fixture_room_size);
    }
    if (!school.empty()) o.school_slug = school;
    if (!ttl_hours.empty()) {
        const auto max_hours = static_cast<std::size_t>(
            std::chrono::duration_cast<std::chrono::hours>(storage::limits::max_session_ttl)
                .count());
        o.session_ttl = std::chrono::hours(parse_count("--ttl-hours", ttl_hours, 1, max_hours));
    }

    // --data names a SQLite folder; --config may name any store (PostgreSQL for a cluster).
    const auto started = std::chrono::steady_clock::now();
    std::vector<bench_client> clients;
    {
        auto store = open_chosen_store(where);
        clients = make_bench_fixture(*store, o);
    }
    write_bench_tokens(tokens_out, clients);
    const auto seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    out << "bench fixture: school '" << o.school_slug << "', " << o.rooms << " rooms of "
        << o.room_size << ", " << clients.size() << " session tokens written to " << tokens_out
        << " in " << static_cast<long>(seconds * 10) / 10.0 << " s\n";
    return 0;
}

}  // namespace

std::vector<bench_client> make_bench_fixture(storage::store& store,
                                             const bench_fixture_options& options) {
    if (options.rooms == 0 || options.room_size == 0) {
        throw std::invalid_argument("bench-fixture: rooms and room size must be at least 1");
    }
    const auto school = find_or_create_school(store, options.school_slug);
    std::vector<bench_client> clients;
    clients.reserve(options.rooms * options.room_size);
    for (std::size_t r = 0; r < options.rooms; ++r) {
        std::vector<storage::user> members;
        members.reserve(options.room_size);
        for (std::size_t m = 0; m < options.room_size; ++m) {
            // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "r" + to_string().
            std::string tag = "r";
            tag += std::to_string(r);
            tag += "-m";
            tag += std::to_string(m);
            members.push_back(find_or_create_user(store, school, options.school_slug + "-" + tag,
                                                  "Bench " + tag));
        }
        const auto room = find_or_create_room(store, school, members.front(),
                                              options.school_slug + " room " + std::to_string(r));
        for (const auto& u : members) {
            must(store.add_member(room.id, u.id),
                 fixture + ("member " + u.username));  // no-op if present
            clients.push_back({r, room.id, u.id,
                               must(store.create_session(u.id, options.session_ttl),
                                    fixture + ("session for " + u.username))});
        }
    }
    return clients;
}

void write_bench_tokens(const std::filesystem::path& file,
                        const std::vector<bench_client>& clients) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw std::runtime_error("bench-fixture: cannot write " + file.string() + ": " +
                                 std::strerror(errno));
    }
    ::fchmod(fd, 0600);  // an existing file keeps its old mode through O_CREAT
    std::string text = "# circles bench fixture: ROOM_INDEX ROOM_ID TOKEN, one client a line\n";
    for (const auto& c : clients) {
        text += std::to_string(c.room_index) + ' ' + std::to_string(c.room) + ' ' + c.token + '\n';
    }
    std::string_view left = text;
    while (!left.empty()) {
        const auto n = ::write(fd, left.data(), left.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = errno;
            ::close(fd);
            throw std::runtime_error("bench-fixture: cannot write " + file.string() + ": " +
                                     std::strerror(err));
        }
        left.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::close(fd) != 0) {
        throw std::runtime_error("bench-fixture: cannot write " + file.string() + ": " +
                                 std::strerror(errno));
    }
}

int run_admin(std::vector<std::string> args, std::ostream& out) {
    const auto sub = take_subcommand(args, admin_usage);
    if (sub == "bench-fixture") return run_bench_fixture(std::move(args), out);
    if (sub == "school-escalation") return run_school_escalation(std::move(args), out);
    if (sub == "room-schedule") return run_room_schedule(std::move(args), out);
    if (sub == "real-name") return run_real_name(std::move(args), out);
    unknown_subcommand("admin", sub, admin_usage);
}

}  // namespace circles::gateway
