#include "demo.hpp"

#include <stdexcept>
#include <unordered_map>

#include "circles/gateway/command_line.hpp"

namespace circles::gateway {

namespace {

struct demo_user {
    const char* username;
    const char* display_name;
    storage::role r;
    const char* real_name;  // students: shown only to a counselor working a case about them
};

constexpr demo_user demo_users[] = {
    {"alex", "Blue Heron", storage::role::student, "Alex Morgan"},
    {"sam", "Quiet Fox", storage::role::student, "Sam Patel"},
    {"jordan", "Maple Leaf", storage::role::student, "Jordan Lee"},
    {"riley", "River Stone", storage::role::student, "Riley Chen"},
    {"casey", "Morning Star", storage::role::student, "Casey Brooks"},
    {"facilitator", "Ms. Rivera (facilitator)", storage::role::facilitator, ""},
    {"counselor", "Mr. Okafor (counselor)", storage::role::counselor, ""},
    {"admin", "School admin", storage::role::admin, ""},
};

struct demo_room {
    const char* name;
    const char* kind;
    std::vector<const char*> members;
    std::vector<storage::weekly_slot> schedule;  // in demo_time_zone
};

constexpr const char* demo_time_zone = "America/New_York";

const std::vector<demo_room>& demo_rooms() {
    static const std::vector<demo_room> rooms = {
        {"Lunch Bunch",
         storage::room_kind::social_group,
         {"alex", "sam", "jordan", "facilitator"},
         {{2, 12 * 60 + 10, 40}, {4, 12 * 60 + 10, 40}}},
        {"GSA",
         storage::room_kind::gsa,
         {"alex", "riley", "casey", "facilitator"},
         {{3, 15 * 60 + 30, 60}}},
        {"Peer Network",
         storage::room_kind::peer_network,
         {"alex", "sam", "jordan", "riley", "casey", "facilitator"},
         {{1, 8 * 60 + 30, 30}, {5, 8 * 60 + 30, 30}}},
    };
    return rooms;
}

}  // namespace

std::vector<demo_login> seed_demo(storage::store& store) {
    std::vector<demo_login> logins;
    for (const auto& u : demo_users) {
        logins.push_back({u.username, u.display_name, storage::to_string(u.r)});
    }
    if (store.find_school("maple-grove")) return logins;

    const auto school = must(store.create_school("maple-grove", "Maple Grove High School"),
                             "seeding the demo: school");
    std::unordered_map<std::string, storage::user_id> ids;
    for (const auto& u : demo_users) {
        ids[u.username] =
            must(store.create_user(school.id, u.username, u.display_name, u.r, demo_password),
                 "seeding the demo: user")
                .id;
        if (*u.real_name) {
            must(store.set_real_name(ids[u.username], u.real_name), "seeding the demo: name");
        }
    }
    // Escalations page the demo counselor first, then the admin; the default deadline.
    storage::escalation_settings paging;
    paging.school = school.id;
    paging.contacts = {{ids.at("counselor")}, {ids.at("admin")}};
    must(store.set_escalation_settings(paging), "seeding the demo: escalation contacts");
    for (const auto& r : demo_rooms()) {
        const auto room =
            must(store.create_room(school.id, r.name, r.kind), "seeding the demo: room");
        for (const char* m : r.members) {
            must(store.add_member(room.id, ids.at(m)), "seeding the demo: member");
        }
        must(store.set_schedule(room.id, {demo_time_zone, r.schedule}),
             "seeding the demo: schedule");
    }
    return logins;
}

}  // namespace circles::gateway
