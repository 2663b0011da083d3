// Facilitated sessions: a room is live only while a session is open and a facilitator of the
// room is present. The session lives in the store (so every node agrees on it); presence says
// who is connected. Opening and closing are told to the room at once, on every node.
#include <algorithm>

#include "circles/rooms/frames.hpp"
#include "circles/rooms/service.hpp"

namespace circles::rooms {

bool service::facilitator_present(storage::room_id room) {
    const auto here = presence_.present(room);
    return std::any_of(here.begin(), here.end(),
                       [](const member& m) { return m.user_role == storage::role::facilitator; });
}

result<session_view> service::view_of(storage::room_id room, storage::room_session s) {
    session_view v;
    v.room = room;
    v.required = limits_.sessions_required;
    auto schedule = store_.schedule_of(room);
    if (!schedule) {
        return schedule.error() == storage::errc::not_found ? errc::room_not_found
                                                            : errc::store_unavailable;
    }
    v.schedule = std::move(*schedule);
    if (s.open()) {
        if (auto by = store_.get_user(s.opened_by)) v.opened_by = member_of(*by);
    }
    v.session = s;
    v.facilitator_present = facilitator_present(room);
    return v;
}

result<session_view> service::session(storage::room_id room) {
    auto s = store_.session_of(room);
    if (!s) {
        return s.error() == storage::errc::not_found ? errc::room_not_found
                                                     : errc::store_unavailable;
    }
    return view_of(room, *s);
}

result<session_view> service::change_session(const storage::user& u, storage::room_id room,
                                              bool open) {
    auto authorized = authorize(u, room);
    if (!authorized) return authorized.error();
    if (u.user_role != storage::role::facilitator) return errc::forbidden;
    auto changed = open ? store_.open_session(room, u.id) : store_.close_session(room, u.id);
    if (!changed) return errc::store_unavailable;
    auto now = session(room);  // what is true after the change (another node's too)
    if (!now) return now.error();
    v1::ServerFrame frame;
    fill(*frame.mutable_session(), *now);
    bus_.publish(room_event{room, 0, encode(frame)});
    return now;
}

result<session_view> service::open_session(const storage::user& u, storage::room_id room) {
    return change_session(u, room, true);
}

result<session_view> service::close_session(const storage::user& u, storage::room_id room) {
    return change_session(u, room, false);
}

}  // namespace circles::rooms
