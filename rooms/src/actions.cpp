// Facilitator actions: approve or remove a message, lock the room or slow it down, mute or
// remove a student. The store makes each change with its audit entry; then the room hears of
// it on every node. None of these events is in the room sequence (seq 0 on the bus): an
// approved or removed message keeps the seq it was stored with.
#include <algorithm>

#include "circles/rooms/frames.hpp"
#include "circles/rooms/service.hpp"
#include "circles/rooms/visibility.hpp"
#include "circles/storage/limits.hpp"
#include "store_calls.hpp"

namespace circles::rooms {

namespace {

// What everyone sees in place of a removed message.
constexpr const char* removed_text = "removed by facilitator";

std::uint32_t rule_of(const storage::citation& why) {
    return static_cast<std::uint32_t>(std::max(why.ground_rule, 0));
}

using detail::from_store;
using detail::now_ms;

}  // namespace

result<storage::room> service::authorize_staff(const storage::user& u, storage::room_id room,
                                               acting need) {
    auto authorized = authorize(u, room);
    if (!authorized) return authorized.error();
    const bool allowed = need == acting::facilitator ? u.user_role == storage::role::facilitator
                                                     : moderates(u.user_role);
    if (!allowed) return errc::forbidden;
    return authorized;
}

result<storage::user> service::student_for(const storage::user& u, storage::room_id room,
                                           storage::user_id target) {
    if (auto ok = authorize_staff(u, room, acting::facilitator); !ok) return ok.error();
    auto who = store_.get_user(target);
    if (!who) return from_store(who.error(), errc::not_a_member);
    auto belongs = store_.is_member(room, target);
    if (!belongs) return errc::store_unavailable;
    if (!*belongs) return errc::not_a_member;
    if (who->user_role != storage::role::student) return errc::forbidden;
    return who;
}

void service::publish_about(storage::room_id room, const v1::ServerFrame& frame,
                            storage::user_id member, storage::message_status how) {
    room_event ev{room, 0, encode(frame)};
    ev.status = how;
    ev.sender = member;
    bus_.publish(std::move(ev));
}

void service::publish_to_staff(storage::room_id room, const v1::ServerFrame& frame) {
    // visible_to() shows a held event to its sender and to staff; user id 0 is nobody's.
    publish_about(room, frame, 0, storage::message_status::held);
}

result<storage::stored_message> service::moderate_message(const storage::user& u,
                                                          storage::room_id room, storage::seq_t seq,
                                                          storage::message_status to,
                                                          const storage::citation& why) {
    if (auto ok = authorize_staff(u, room, acting::facilitator); !ok) return ok.error();
    auto m = store_.moderate_message(room, seq, to, u.id, why);
    if (!m) return from_store(m.error(), errc::message_not_found);
    v1::ServerFrame frame;
    if (m->status == storage::message_status::removed) {
        auto* removed = frame.mutable_removed();
        removed->set_room_id(static_cast<std::uint64_t>(room));
        removed->set_seq(seq);
        removed->set_reason(removed_text);
        removed->set_ground_rule(rule_of(why));
    } else {
        fill(*frame.mutable_message(), *m);
    }
    // Visible or removed, everyone in the room may know it now.
    bus_.publish(room_event{room, 0, encode(frame)});
    // A removal is what reports of the message asked for: they are settled, and told.
    if (m->status == storage::message_status::removed) settle_reports(u, room, seq);
    return m;
}

result<storage::room_controls> service::set_controls(const storage::user& u, storage::room_id room,
                                                     const storage::room_controls& controls,
                                                     const storage::citation& why) {
    if (auto ok = authorize_staff(u, room, acting::facilitator); !ok) return ok.error();
    auto set = store_.set_room_controls(room, controls, u.id, why);
    if (!set) return from_store(set.error(), errc::room_not_found);
    v1::ServerFrame frame;
    auto* c = frame.mutable_controls();
    fill(*c, room, *set);
    c->set_ground_rule(rule_of(why));
    fill(*c->mutable_by(), member_of(u));
    bus_.publish(room_event{room, 0, encode(frame)});
    return set;
}

result<member> service::mute(const storage::user& u, storage::room_id room, storage::user_id target,
                             std::int64_t until_ms, const storage::citation& why) {
    auto student = student_for(u, room, target);
    if (!student) return student.error();
    if (auto muted = store_.mute_member(room, target, until_ms, u.id, why); !muted) {
        return from_store(muted.error(), errc::not_a_member);
    }
    const auto who = member_of(*student);
    v1::ServerFrame frame;
    auto* m = frame.mutable_muted();
    m->set_room_id(static_cast<std::uint64_t>(room));
    fill(*m->mutable_member(), who);
    m->set_until_ms(static_cast<std::uint64_t>(std::max<std::int64_t>(until_ms, 0)));
    m->set_ground_rule(rule_of(why));
    // For the student and the room's staff only: visible_to() treats it like the student's
    // own held message.
    publish_about(room, frame, target, storage::message_status::held);
    return who;
}

result<member> service::expel(const storage::user& u, storage::room_id room,
                              storage::user_id target, const storage::citation& why) {
    auto student = student_for(u, room, target);
    if (!student) return student.error();
    if (auto gone = store_.expel_member(room, target, u.id, why); !gone) {
        return from_store(gone.error(), errc::not_a_member);
    }
    const auto who = member_of(*student);
    v1::ServerFrame frame;
    auto* r = frame.mutable_member_removed();
    r->set_room_id(static_cast<std::uint64_t>(room));
    fill(*r->mutable_member(), who);
    r->set_ground_rule(rule_of(why));
    // Every connection of the student, on every node, leaves the room when it sees this.
    publish_about(room, frame, target, storage::message_status::removed);
    return who;
}

result<std::vector<storage::stored_message>> service::held(const storage::user& u,
                                                           storage::room_id room) {
    if (auto ok = authorize_staff(u, room, acting::staff); !ok) return ok.error();
    auto held = store_.held_messages(room, storage::limits::max_held_listed);
    if (!held) return errc::store_unavailable;
    return std::move(*held);
}

result<std::vector<member_info>> service::members(const storage::user& u, storage::room_id room) {
    if (auto ok = authorize_staff(u, room, acting::staff); !ok) return ok.error();
    auto all = store_.members_of(room);
    auto mutes = store_.mutes_of(room, now_ms());
    if (!all || !mutes) return errc::store_unavailable;
    const auto here = presence_.present(room);
    std::vector<member_info> out;
    out.reserve(all->size());
    for (const auto& m : *all) {
        member_info info{member_of(m)};
        info.present =
            std::any_of(here.begin(), here.end(), [&](const member& p) { return p.id == m.id; });
        for (const auto& mute : *mutes) {
            if (mute.user == m.id) info.muted_until_ms = mute.until_ms;
        }
        out.push_back(std::move(info));
    }
    return out;
}

result<storage::posting_state> service::posting_state(const storage::user& u,
                                                      storage::room_id room) {
    auto state = store_.posting_state_of(room, u.id, now_ms());
    if (!state) return from_store(state.error(), errc::room_not_found);
    return std::move(*state);
}

}  // namespace circles::rooms
