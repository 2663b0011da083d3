#pragma once
// `circles admin bench-fixture --rooms R --room-size S --tokens-out FILE
//                              (--data DIR | --config FILE) [--school SLUG] [--ttl-hours H]`
//
// Provisions what `circles-bench` needs: a load-test school, R rooms of S students each, and a
// fresh session token per student, written one client per line. The students have no password
// login (store::create_user_without_password): ten thousand Argon2id hashes would take a
// quarter of an hour, and a load test must not log in through /api/login anyway, where the
// login rate limit and Argon2id would be what it measures. Running it again reuses the school,
// users, rooms and memberships and writes new tokens.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "circles/storage/store.hpp"

namespace circles::gateway {

// `circles admin school-escalation --school SLUG (--data DIR | --config FILE)
//      [--deadline-seconds N] [--webhook URL|none] [--contacts "user1,user2;user3"]`
// Shows, and with options changes, how a school's escalations are paged: the acknowledgement
// deadline (1 s to 24 h), the webhook (http:// only; "none" removes it) and the contact list,
// levels separated by ';' (level 0 first: the on-duty counselors), usernames by ','. What is
// not named stays as it was. Prints the settings, the webhook without credentials.
int run_school_escalation(std::vector<std::string> args, std::ostream& out);

// `circles admin room-schedule --room ID (--data DIR | --config FILE) [--time-zone ZONE]
//      [--slots "tue 12:10 40, thu 12:10 40" | none]`
// Shows, and with options changes, when a room meets each week: slots of "DAY HH:MM MINUTES"
// (day mon..sun, 24-hour local time, 1-720 minutes), separated by ','; the time zone is an
// IANA name ("Europe/London"). Students see the next session while the room is not live.
int run_room_schedule(std::vector<std::string> args, std::ostream& out);

// `circles admin real-name --user USERNAME --name "NAME"|none (--data DIR | --config FILE)`
// Records a student's real name, sealed at rest ("none" removes it). Only a counselor working
// a case about the student sees it, and each time it is shown is in the audit trail. The name
// is never printed back.
int run_real_name(std::vector<std::string> args, std::ostream& out);

// "tue 12:10 40, thu 15:30 45" as slots sorted by day and time; "none" or "" for no slots.
// Throws std::invalid_argument naming the slot that is wrong.
std::vector<storage::weekly_slot> parse_weekly_slots(const std::string& text);
// The same form back ("tue 12:10 40, thu 15:30 45").
std::string format_weekly_slots(const std::vector<storage::weekly_slot>& slots);

struct bench_fixture_options {
    std::size_t rooms = 1;
    std::size_t room_size = 6;
    std::string school_slug = "bench";
    std::chrono::seconds session_ttl = std::chrono::hours(24);
};

// One load-test client: which room it belongs to and the session it connects with.
struct bench_client {
    std::size_t room_index = 0;
    storage::room_id room = 0;
    storage::user_id user = 0;
    std::string token;
};

// Creates what is missing and opens one session per member, room by room (room_index 0 first).
// Users are `<slug>-r<room>-m<member>`, rooms "<slug> room <room>" of kind peer_network.
// Throws std::runtime_error naming the step that failed.
std::vector<bench_client> make_bench_fixture(storage::store& store,
                                             const bench_fixture_options& options);

// Writes the tokens file, created with mode 0600 since it holds live sessions: a comment line,
// then one line per client, "ROOM_INDEX ROOM_ID TOKEN".
void write_bench_tokens(const std::filesystem::path& file,
                        const std::vector<bench_client>& clients);

// `circles admin SUBCOMMAND ...` (args without "admin"). Prints a summary to `out`, never a
// token. Returns the exit status; throws std::invalid_argument for a usage error and
// std::runtime_error for a failure.
int run_admin(std::vector<std::string> args, std::ostream& out);

}  // namespace circles::gateway
