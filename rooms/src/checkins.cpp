// Check-in rounds and the participation view. A facilitator starts a round and the room is
// told; each student's answer goes to the room's staff (and back to the student), while the
// room hears only the counts. Participation is read for staff from the store and presence.
#include <algorithm>
#include <unordered_map>

#include "circles/rooms/frames.hpp"
#include "circles/rooms/service.hpp"
#include "circles/rooms/visibility.hpp"
#include "store_calls.hpp"

namespace circles::rooms {

using detail::from_store;
using detail::now_ms;

namespace {

// Without an open session, participation looks back this far.
constexpr std::int64_t participation_window_ms = 60 * 60 * 1000;

}  // namespace

result<storage::checkin_round> service::start_checkin(const storage::user& u,
                                                      storage::room_id room) {
    if (auto ok = authorize_staff(u, room, acting::facilitator); !ok) return ok.error();
    auto r = store_.start_checkin(room, u.id);
    if (!r) return errc::store_unavailable;
    v1::ServerFrame frame;
    const auto by = member_of(u);
    fill(*frame.mutable_check_in(), *r, &by);
    bus_.publish(room_event{room, 0, encode(frame)});
    return r;
}

result<storage::checkin_round> service::answer_checkin(const storage::user& u,
                                                       storage::room_id room, std::int64_t round,
                                                       storage::checkin_answer answer) {
    if (auto ok = authorize(u, room); !ok) return ok.error();
    if (u.user_role != storage::role::student) return errc::forbidden;
    answer.user = u.id;
    answer.answered_at_ms = now_ms();
    if (!storage::valid_checkin_answer(answer)) return errc::invalid_argument;
    auto r = store_.answer_checkin(room, round, answer);
    // Not the room's open round: a stale form, which the student is told about.
    if (!r) return from_store(r.error(), errc::invalid_argument);
    v1::ServerFrame told;
    fill(*told.mutable_check_in_answer(), room, round, answer, member_of(u));
    // The answer itself: for the student and the room's staff only.
    publish_about(room, told, u.id, storage::message_status::held);
    v1::ServerFrame counted;
    auto* c = counted.mutable_check_in_count();
    c->set_room_id(static_cast<std::uint64_t>(room));
    c->set_round_id(static_cast<std::uint64_t>(round));
    c->set_answered(static_cast<std::uint32_t>(r->answered));
    c->set_passed(static_cast<std::uint32_t>(r->passed));
    bus_.publish(room_event{room, 0, encode(counted)});
    return r;
}

result<std::optional<checkin_state>> service::checkin_for(const storage::user& u,
                                                          storage::room_id room) {
    auto r = store_.checkin_of(room, false);
    if (!r) return errc::store_unavailable;
    if (r->id == 0) return std::optional<checkin_state>{};
    auto answered = store_.answered_checkin(r->id, u.id);
    if (!answered) return errc::store_unavailable;
    return std::optional<checkin_state>{checkin_state{std::move(*r), *answered}};
}

result<participation_view> service::participation(const storage::user& u, storage::room_id room) {
    if (auto ok = authorize_staff(u, room, acting::staff); !ok) return ok.error();
    auto session = store_.session_of(room);
    auto everyone = store_.members_of(room);
    if (!session || !everyone) return errc::store_unavailable;
    participation_view out;
    out.since_ms = session->open() ? session->opened_at_ms : now_ms() - participation_window_ms;
    auto said = store_.participation(room, out.since_ms);
    auto round = store_.checkin_of(room, true);
    if (!said || !round) return errc::store_unavailable;
    std::unordered_map<storage::user_id, storage::participation_row> by_user;
    int total = 0;
    for (const auto& row : *said) {
        by_user[row.user] = row;
        total += row.messages;
    }
    const auto here = presence_.present(room);
    for (const auto& m : *everyone) {
        participation_entry e;
        e.who = member_of(m);
        if (auto it = by_user.find(m.id); it != by_user.end()) {
            e.messages = it->second.messages;
            e.last_spoke_ms = it->second.last_at_ms;
        }
        e.share_percent = total ? (e.messages * 100 + total / 2) / total : 0;
        e.present =
            std::any_of(here.begin(), here.end(), [&](const member& p) { return p.id == m.id; });
        out.members.push_back(std::move(e));
    }
    // Students first, quietest first (fewest messages, then longest silent): whom to invite in.
    std::stable_sort(out.members.begin(), out.members.end(), [](const auto& a, const auto& b) {
        const bool sa = a.who.user_role == storage::role::student;
        const bool sb = b.who.user_role == storage::role::student;
        if (sa != sb) return sa;
        if (a.messages != b.messages) return a.messages < b.messages;
        return a.last_spoke_ms < b.last_spoke_ms;
    });
    for (const auto& a : round->answers) {
        const auto it = std::find_if(out.members.begin(), out.members.end(),
                                     [&](const auto& e) { return e.who.id == a.user; });
        if (it != out.members.end()) out.answers.push_back({a, it->who});
    }
    out.round = std::move(*round);
    return out;
}

}  // namespace circles::rooms
