// Facilitated sessions and the group agreement on a connection: what a joiner is shown, the
// gate a student's send passes (agreement accepted, session open, facilitator present), and
// the requests that open and close a session and accept the agreement. Store writes (each with
// its audit entry) run on the blocking pool, never on the connection's strand.
#include <spdlog/spdlog.h>

#include "agreement.hpp"
#include "circles/rooms/frames.hpp"
#include "circles/storage/limits.hpp"
#include "websocket_session.hpp"

namespace circles::gateway {

bool websocket_session::gated() const {
    return user_.user_role == storage::role::student &&
           state_->rooms().limits_in_force().sessions_required;
}

void websocket_session::fill_facilitation(v1::JoinResult& result, const storage::room& room) {
    if (auto view = state_->rooms().session(room.id)) {
        rooms::fill(*result.mutable_session(), *view);
    } else {
        spdlog::warn("join: session of room {} unreadable: {}", room.id, view.error().message());
    }
    std::string accepted;
    if (gated()) {
        if (auto a = state_->store().accepted_agreement(room.id, user_.id)) accepted = *a;
        agreed_[room.id] = accepted;
    }
    const auto rules = state_->in_force();
    fill_agreement(*result.mutable_agreement(), *rules->policy, rules->agreement_version, accepted,
                   gated());
    fill_controls(result, room);
}

websocket_session::gate websocket_session::posting_gate(const storage::room& room,
                                                        const storage::posting_state& posting,
                                                        const std::string& version) {
    gate g;
    if (user_.user_role != storage::role::student) return g;  // staff are never held back
    const bool sessions = gated();
    if (sessions) {
        auto& agreed = agreed_[room.id];
        if (agreed != version) {
            // Another tab of the same student may have accepted it since this one joined.
            if (auto a = state_->store().accepted_agreement(room.id, user_.id)) agreed = *a;
            if (agreed != version) {
                g.code = v1::ERROR_CODE_AGREEMENT_REQUIRED;
                g.why = "please read and accept the group agreement before you post";
                return g;
            }
        }
    }
    g.slow_mode_seconds = posting.controls.slow_mode_seconds;
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    if (posting.controls.locked) {
        g.code = v1::ERROR_CODE_ROOM_LOCKED;
        g.why = "the facilitator has made the room read-only for now: you can still read";
    } else if (posting.muted_until_ms > now) {
        g.code = v1::ERROR_CODE_MUTED;
        g.why = "the facilitator has paused your messages in this room for a little while";
        g.retry_after_ms = static_cast<std::uint64_t>(posting.muted_until_ms - now);
    } else if (sessions && !posting.session.open()) {
        g.code = v1::ERROR_CODE_ROOM_NOT_LIVE;
        g.why =
            "the group is not meeting right now: you can read, and post once the facilitator "
            "opens the session";
    } else if (sessions && !state_->rooms().facilitator_present(room.id)) {
        g.code = v1::ERROR_CODE_ROOM_NOT_LIVE;
        g.why = "the session is paused until the facilitator is back";
    }
    return g;
}

void websocket_session::fill_controls(v1::JoinResult& result, const storage::room& room) {
    auto* c = result.mutable_controls();
    c->set_room_id(static_cast<std::uint64_t>(room.id));
    auto state = state_->rooms().posting_state(user_, room.id);
    if (!state) {
        spdlog::warn("join: controls of room {} unreadable: {}", room.id, state.error().message());
        return;
    }
    rooms::fill(*c, room.id, state->controls);
    result.set_muted_until_ms(static_cast<std::uint64_t>(state->muted_until_ms));
    // An open check-in round, so a student who joins late can still answer it.
    auto round = state_->rooms().checkin_for(user_, room.id);
    if (!round) {
        spdlog::warn("join: check-in of room {} unreadable: {}", room.id, round.error().message());
    } else if (*round) {
        auto* r = result.mutable_check_in();
        rooms::fill(*r, (*round)->round, nullptr);
        r->set_you_answered((*round)->you_answered);
    }
}

void websocket_session::on_change_session(std::uint64_t request_id, std::uint64_t room_id,
                                          bool open) {
    const auto room = static_cast<storage::room_id>(room_id);
    if (room <= 0) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT, "room_id is required");
    }
    net::post(state_->escalation_pool(), [self = shared_from_this(), request_id, room, open] {
        auto& rooms = self->state_->rooms();
        auto changed =
            open ? rooms.open_session(self->user_, room) : rooms.close_session(self->user_, room);
        auto frame = std::make_shared<v1::ServerFrame>();
        boost::system::error_code ec;
        if (changed) {
            rooms::fill(*frame->mutable_session(), *changed);
            spdlog::info("session {} room={} by user={}", open ? "opened" : "closed", room,
                         self->user_.id);
        } else {
            ec = changed.error();
        }
        net::post(self->ws_.get_executor(), [self, request_id, room, frame, ec] {
            if (!ec) return self->reply(request_id, *frame);
            if (ec == rooms::errc::forbidden) {
                return self->reply_error(request_id, v1::ERROR_CODE_FORBIDDEN,
                                         "only the room's facilitators open and close its session",
                                         room);
            }
            const auto code = to_error_code(ec);
            self->reply_error(request_id, code, error_text(code), room);
        });
    });
}

void websocket_session::on_accept_agreement(std::uint64_t request_id,
                                            const v1::AcceptAgreement& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    if (room <= 0) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT, "room_id is required");
    }
    auto authorized = state_->rooms().authorize(user_, room);
    if (!authorized) {
        const auto code = to_error_code(authorized.error());
        return reply_error(request_id, code, error_text(code), room);
    }
    auto version = state_->in_force()->agreement_version;
    if (req.version() != version) {
        return reply_error(request_id, v1::ERROR_CODE_AGREEMENT_REQUIRED,
                           "the group agreement has changed: please read the new version", room);
    }
    net::post(state_->escalation_pool(), [self = shared_from_this(), request_id, room,
                                          version = std::move(version)] {
        auto stored = self->state_->store().accept_agreement(room, self->user_.id, version);
        net::post(self->ws_.get_executor(), [self, request_id, room, version, ok = bool(stored)] {
            if (!ok) {
                return self->reply_error(request_id, v1::ERROR_CODE_INTERNAL,
                                         "something went wrong; please accept again", room);
            }
            self->agreed_[room] = version;
            v1::ServerFrame out;
            out.mutable_agreement_accepted()->set_room_id(static_cast<std::uint64_t>(room));
            out.mutable_agreement_accepted()->set_version(version);
            self->reply(request_id, out);
        });
    });
}

namespace {
constexpr const char* need_to_talk_confirmation =
    "Thank you for asking. A counselor has been told, and someone will follow up with you "
    "soon. You are not in trouble. If you are in danger right now, use the contacts above.";
}  // namespace

void websocket_session::on_need_to_talk(std::uint64_t request_id, const v1::NeedToTalk& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    const auto& cmid = req.client_msg_id();
    if (room <= 0 || cmid.empty() || cmid.size() > storage::limits::max_client_msg_id_bytes) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "room_id and a client_msg_id of 1-64 bytes are required", room);
    }
    if (user_.user_role != storage::role::student) {
        return reply_error(request_id, v1::ERROR_CODE_FORBIDDEN,
                           "this button is for students; staff reach counselors directly", room);
    }
    auto authorized = state_->rooms().authorize(user_, room);
    if (!authorized) {
        const auto code = to_error_code(authorized.error());
        return reply_error(request_id, code, error_text(code), room);
    }
    // A durable escalation, kept out of the room: the student wrote nothing, so it seals no
    // text; the source says what happened.
    storage::append_request append;
    append.room = room;
    append.sender = user_.id;
    append.client_msg_id = cmid;
    append.escalation = storage::escalation_request{storage::escalation_source::need_to_talk,
                                                    {"need_to_talk"}, "need_to_talk"};
    append.into_room = false;
    state_->rooms().append(
        user_, std::move(append),
        [self = shared_from_this(), request_id, room, room_name = authorized->name,
         cmid](storage::result<storage::append_result> r) mutable {
            net::post(self->ws_.get_executor(), [self, request_id, room,
                                                 room_name = std::move(room_name),
                                                 cmid = std::move(cmid), r = std::move(r)] {
                self->on_need_to_talk_stored(request_id, room, room_name, cmid, r);
            });
        });
}

void websocket_session::on_need_to_talk_stored(std::uint64_t request_id, storage::room_id room,
                                               const std::string& room_name,
                                               const std::string& client_msg_id,
                                               const storage::result<storage::append_result>& r) {
    if (!r) {
        // Nothing was stored: the student is told to try again (the button stays), never
        // that someone was told.
        spdlog::warn("need to talk failed user={} room={}: {}", user_.id, room,
                     r.error().message());
        const auto code = to_error_code(r.error());
        return reply_error(request_id, code,
                           "it did not go through; please press it again, or talk to a trusted "
                           "adult now",
                           room, {}, code == v1::ERROR_CODE_OVERLOADED ? 1000 : 0);
    }
    if (!r->duplicate) {
        spdlog::info("need to talk user={} room={} escalation={}", user_.id, room,
                     r->escalation_id);
        state_->escalation_opened(r->escalation_id);
        v1::ServerFrame event;
        auto* n = event.mutable_need_to_talk();
        n->set_room_id(static_cast<std::uint64_t>(room));
        n->set_room_name(room_name);
        rooms::fill(*n->mutable_student(), rooms::member_of(user_));
        n->set_escalation_id(static_cast<std::uint64_t>(r->escalation_id));
        n->set_at_ms(static_cast<std::uint64_t>(r->created_at_ms));
        state_->rooms().publish_to_school(user_.school, rooms::encode(event));
    }
    v1::ServerFrame out;
    auto* ack = out.mutable_need_to_talk_ack();
    ack->set_room_id(static_cast<std::uint64_t>(room));
    ack->set_escalation_id(static_cast<std::uint64_t>(r->escalation_id));
    ack->set_support(state_->policy()->crisis_reply());
    ack->set_confirmation(need_to_talk_confirmation);
    ack->set_duplicate(r->duplicate);
    ack->set_client_msg_id(client_msg_id);
    reply(request_id, out);
}

}  // namespace circles::gateway
