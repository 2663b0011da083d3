#include "circles/rooms/service.hpp"

#include <algorithm>

#include "circles/rooms/frames.hpp"
#include "circles/rooms/visibility.hpp"
#include "circles/storage/limits.hpp"
#include "store_calls.hpp"

namespace circles::rooms {

namespace {
class rooms_category_impl final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "circles.rooms"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
            case errc::ok:
                return "ok";
            case errc::room_not_found:
                return "no such room";
            case errc::not_a_member:
                return "you are not a member of this room";
            case errc::store_unavailable:
                return "the message store is not available";
            case errc::forbidden:
                return "your role does not allow this in this room";
            case errc::message_not_found:
                return "no such message in this room";
            case errc::invalid_argument:
                return "the request is not valid";
            case errc::report_not_found:
                return "no such report in this room";
            case errc::limit_reached:
                return "too many open reports in this room; a facilitator will get to them";
        }
        return "unknown rooms error";
    }
};
}  // namespace

const boost::system::error_category& rooms_category() noexcept {
    static const rooms_category_impl instance;
    return instance;
}

service::service(storage::store& store, bus& b, presence& p, limits l)
    : store_(store), bus_(b), presence_(p), hub_(b), limits_(l) {
    static_assert(storage_page_limit == storage::limits::max_page_messages);
    // since() returns at most one store page; max_replay + 1 must fit in it.
    limits_.max_replay = std::min(limits_.max_replay, storage_page_limit - 1);
    limits_.max_page = std::min(limits_.max_page, storage_page_limit);
    bus_.set_handler([this](const room_event& ev) {
        if (ev.seq == 0 && ev.room > 0) return dispatch_unsequenced(ev);
        hub_.dispatch(ev);
    });
    presence_.on_change([this](storage::room_id room, const member& m, bool present) {
        tell_presence(room, m, present);
    });
}

service::~service() { presence_.on_change({}); }

result<std::vector<storage::room>> service::rooms_of(const storage::user& u) {
    auto r = store_.rooms_of(u.id);
    if (!r) return errc::store_unavailable;
    return std::move(*r);
}

result<storage::room> service::authorize(const storage::user& u, storage::room_id room) {
    // One read. A member's action does not use the room's last seq, so the store need not
    // work it out.
    auto r = store_.membership(room, u.id, storage::store::last_seq_read::skip);
    if (!r) return detail::from_store(r.error(), errc::room_not_found);
    if (!r->member) return errc::not_a_member;
    return std::move(r->r);
}

result<service::send_check> service::authorize_send(const storage::user& u, storage::room_id room) {
    auto r = store_.check_send(room, u.id, detail::now_ms());
    if (!r) return detail::from_store(r.error(), errc::room_not_found);
    if (!r->member) return errc::not_a_member;
    return send_check{std::move(r->r), r->posting};
}

result<storage::room> service::authorize_reader(const storage::user& u, storage::room_id room,
                                                bool record) {
    // A join checks a resume point against the room's last seq.
    auto r = store_.membership(room, u.id, storage::store::last_seq_read::read);
    if (!r) {
        return r.error() == storage::errc::not_found ? errc::room_not_found
                                                     : errc::store_unavailable;
    }
    if (r->member) return std::move(r->r);
    const bool observer = u.user_role == storage::role::counselor && r->r.school == u.school;
    if (!observer) return errc::not_a_member;
    // A counselor reading a room they do not belong to is on record before they read it.
    if (record && !store_.append_audit({u.school, u.id, "room.observed", room,
                                        "room:" + std::to_string(room), "role=counselor"})) {
        return errc::store_unavailable;
    }
    return std::move(r->r);
}

result<join_outcome> service::join(const storage::user& u, storage::room_id room,
                                   std::optional<resume_point> resume, std::size_t page,
                                   const std::shared_ptr<subscriber>& conn, bool subscribe) {
    auto authorized = authorize_reader(u, room, true);
    if (!authorized) return authorized.error();

    if (subscribe) {
        hub_.add(room, conn);
        const member me = member_of(u);
        presence_.enter(room, me);  // the listener tells the room
    }

    join_outcome out;
    out.room = std::move(*authorized);
    bool ok = true;
    // A resume point past the room's last seq (a restored database, a confused client) cannot
    // be trusted: reload rather than skip what the client never saw.
    if (resume && resume->epoch == out.room.epoch && resume->last_seq <= out.room.last_seq) {
        auto missed = store_.since(room, resume->last_seq, limits_.max_replay + 1);
        ok = static_cast<bool>(missed);
        // Recoverable only when the store still holds every message after the resume point.
        if (ok && missed->size() <= limits_.max_replay &&
            (missed->empty() || missed->front().seq == resume->last_seq + 1)) {
            out.recovered = true;
            out.messages = std::move(*missed);
            out.delivered_through =
                out.messages.empty() ? resume->last_seq : out.messages.back().seq;
            out.has_more = resume->last_seq > 0;
        }
    }
    if (ok && !out.recovered) {
        if (page == 0) page = limits_.default_page;
        auto newest = store_.history(room, 0, std::min(page, limits_.max_page));
        ok = static_cast<bool>(newest);
        if (ok) {
            out.messages = std::move(newest->messages);
            out.has_more = newest->has_more;
            out.delivered_through = out.messages.empty() ? 0 : out.messages.back().seq;
        }
    }
    if (!ok) {
        if (subscribe) leave(u, room, conn.get());
        return errc::store_unavailable;
    }
    out.room.last_seq = std::max(out.room.last_seq, out.delivered_through);
    std::erase_if(out.messages, [&](const storage::stored_message& m) {
        return !visible_to(m.status, m.sender, u);
    });
    out.present = presence_.present(room);
    return out;
}

void service::leave(const storage::user& u, storage::room_id room, const subscriber* conn) {
    hub_.remove(room, conn);
    presence_.exit(room, u.id);  // the listener tells the room
}

result<storage::history_page> service::history(const storage::user& u, storage::room_id room,
                                               storage::seq_t before_seq, std::size_t limit) {
    auto authorized = authorize_reader(u, room);
    if (!authorized) return authorized.error();
    if (limit == 0) limit = limits_.default_page;
    auto page = store_.history(room, before_seq, std::min(limit, limits_.max_page));
    if (!page) return errc::store_unavailable;
    std::erase_if(page->messages, [&](const storage::stored_message& m) {
        return !visible_to(m.status, m.sender, u);
    });
    return std::move(*page);
}

result<std::vector<storage::stored_message>> service::since(storage::room_id room,
                                                            storage::seq_t after_seq) {
    auto r = store_.since(room, after_seq, limits_.max_replay);
    if (!r) return errc::store_unavailable;
    return std::move(*r);
}

void service::append(const storage::user& sender, storage::append_request req, append_done done) {
    storage::stored_message event;
    event.room = req.room;
    event.sender = sender.id;
    event.sender_display_name = sender.display_name;
    event.sender_role = sender.user_role;
    event.client_msg_id = req.client_msg_id;
    event.text = req.text;
    event.status = req.status;
    store_.append(std::move(req), [this, event = std::move(event), done = std::move(done)](
                                      storage::result<storage::append_result> r) mutable {
        // A message kept out of the room (seq 0) is not published at all.
        if (r && !r->duplicate && r->seq != 0) {
            event.seq = r->seq;
            event.epoch = r->epoch;
            event.created_at_ms = r->created_at_ms;
            v1::ServerFrame frame;
            fill(*frame.mutable_message(), event);
            bus_.publish(
                room_event{event.room, event.seq, encode(frame), event.status, event.sender});
        }
        done(std::move(r));
    });
}

void service::tell_presence(storage::room_id room, const member& m, bool present) {
    v1::ServerFrame frame;
    auto* change = frame.mutable_presence();
    change->set_room_id(static_cast<std::uint64_t>(room));
    fill(*change->mutable_member(), m);
    change->set_present(present);
    dispatch_unsequenced(room_event{room, 0, encode(frame)});
}

void service::watch_school(storage::school_id school, const std::shared_ptr<subscriber>& conn) {
    hub_.add(school_channel(school), conn);
}

void service::unwatch_school(storage::school_id school, const subscriber* conn) {
    hub_.remove(school_channel(school), conn);
}

void service::watch_sessions(const std::shared_ptr<subscriber>& watcher) {
    hub_.add(sessions_channel, watcher);
}

void service::publish_session_ended(std::string token_hash) {
    bus_.publish(room_event{sessions_channel, 0,
                            std::make_shared<const std::string>(std::move(token_hash))});
}

void service::publish_to_school(storage::school_id school,
                                std::shared_ptr<const std::string> frame) {
    bus_.publish(room_event{school_channel(school), 0, std::move(frame)});
}

void service::catch_up(storage::room_id room) {
    if (room <= 0) return;  // a school channel: nothing sequenced to catch up on
    auto r = store_.get_room(room);
    if (r && r->last_seq != 0) hub_.dispatch(room_event{room, r->last_seq, nullptr});
    tell_room_state(room);
}

// A session opened or closed, or the room locked, while this node was not subscribed left no
// gap in the room's seqs to reveal it: the room's connections here are told what is true now.
// A client applies both frames as state (a repeat changes nothing). The controls frame names
// no facilitator and no ground rule, as a join's does.
//
// What was read must not overtake a newer change: a facilitator may change the session or the
// controls between this read and its dispatch, and that change's live event, dispatched first,
// would then be undone by the older restatement. Every change is stored before its event is
// published, so a restatement is dispatched only if no event outside the sequence (presence
// included: the session frame carries whether a facilitator is present) reached the room
// since the read began; otherwise the state is read again.
void service::tell_room_state(storage::room_id room) {
    for (int attempt = 1; attempt < max_restatement_reads; ++attempt) {
        std::uint64_t seen = 0;
        {
            std::lock_guard lock(unsequenced_mutex_);
            seen = unsequenced_[room];
        }
        auto frames = room_state_frames(room);
        std::lock_guard lock(unsequenced_mutex_);
        if (unsequenced_[room] != seen) continue;  // something newer may have been told
        for (auto& f : frames) hub_.dispatch(room_event{room, 0, std::move(f)});
        return;
    }
    // The last read holds the lock throughout, so the restatement always goes out: events
    // outside the sequence wait for it (a few reads) rather than be overtaken.
    std::lock_guard lock(unsequenced_mutex_);
    for (auto& f : room_state_frames(room)) hub_.dispatch(room_event{room, 0, std::move(f)});
}

std::vector<std::shared_ptr<const std::string>> service::room_state_frames(storage::room_id room) {
    std::vector<std::shared_ptr<const std::string>> frames;
    if (auto now = session(room)) {
        v1::ServerFrame frame;
        fill(*frame.mutable_session(), *now);
        frames.push_back(encode(frame));
    }
    // User 0 belongs to no room: the check reads the room's controls alone.
    if (auto checked = store_.check_send(room, 0, detail::now_ms())) {
        v1::ServerFrame frame;
        fill(*frame.mutable_controls(), room, checked->posting.controls);
        frames.push_back(encode(frame));
    }
    return frames;
}

void service::check_readers(storage::room_id room) {
    if (room > 0) hub_.dispatch(room_event{room, 0, nullptr});
}

void service::dispatch_unsequenced(const room_event& ev) {
    std::lock_guard lock(unsequenced_mutex_);
    ++unsequenced_[ev.room];
    hub_.dispatch(ev);
}

void service::catch_up_all() {
    for (auto room : hub_.rooms()) catch_up(room);
}

}  // namespace circles::rooms
