// The requests a client may make on its WebSocket, each answered with a result or a typed
// Error naming what was wrong. Membership is checked on every request, never remembered.
#include <spdlog/spdlog.h>

#include "circles/rooms/frames.hpp"
#include "websocket_session.hpp"

namespace circles::gateway {

namespace {
constexpr std::size_t max_client_msg_id_bytes = 64;
}  // namespace

v1::ErrorCode to_error_code(const boost::system::error_code& ec) {
    if (ec == rooms::errc::room_not_found) return v1::ERROR_CODE_ROOM_NOT_FOUND;
    if (ec == rooms::errc::not_a_member) return v1::ERROR_CODE_NOT_A_MEMBER;
    if (ec == rooms::errc::forbidden) return v1::ERROR_CODE_FORBIDDEN;
    if (ec == rooms::errc::message_not_found) return v1::ERROR_CODE_MESSAGE_NOT_FOUND;
    if (ec == rooms::errc::invalid_argument) return v1::ERROR_CODE_INVALID_ARGUMENT;
    if (ec == rooms::errc::report_not_found) return v1::ERROR_CODE_REPORT_NOT_FOUND;
    if (ec == rooms::errc::limit_reached) return v1::ERROR_CODE_RATE_LIMITED;
    if (ec == storage::errc::overloaded) return v1::ERROR_CODE_OVERLOADED;
    return v1::ERROR_CODE_INTERNAL;
}

std::string_view error_text(v1::ErrorCode code) {
    switch (code) {
        case v1::ERROR_CODE_ROOM_NOT_FOUND:
            return "there is no such room";
        case v1::ERROR_CODE_NOT_A_MEMBER:
            return "you are not a member of this room";
        case v1::ERROR_CODE_OVERLOADED:
            return "the server is busy; try again in a moment";
        case v1::ERROR_CODE_FORBIDDEN:
            return "your role does not allow this in this room";
        case v1::ERROR_CODE_MESSAGE_NOT_FOUND:
            return "there is no such message in this room";
        case v1::ERROR_CODE_INVALID_ARGUMENT:
            return "the request is not valid";
        case v1::ERROR_CODE_REPORT_NOT_FOUND:
            return "there is no such report in this room";
        default:
            return "something went wrong on the server; nothing was sent";
    }
}

void websocket_session::handle(const v1::ClientFrame& frame) {
    const auto id = frame.request_id();
    switch (frame.body_case()) {
        case v1::ClientFrame::kJoin:
            return on_join(id, frame.join());
        case v1::ClientFrame::kLeave:
            return on_leave(id, frame.leave());
        case v1::ClientFrame::kHistory:
            return on_history(id, frame.history());
        case v1::ClientFrame::kSend:
            return on_send(id, frame.send());
        case v1::ClientFrame::kListRooms:
            return on_list_rooms(id);
        case v1::ClientFrame::kListEscalations:
            return on_list_escalations(id, frame.list_escalations());
        case v1::ClientFrame::kAckEscalation:
            return on_ack_escalation(id, frame.ack_escalation());
        case v1::ClientFrame::kOpenSession:
            return on_change_session(id, frame.open_session().room_id(), true);
        case v1::ClientFrame::kCloseSession:
            return on_change_session(id, frame.close_session().room_id(), false);
        case v1::ClientFrame::kAcceptAgreement:
            return on_accept_agreement(id, frame.accept_agreement());
        case v1::ClientFrame::kNeedToTalk:
            return on_need_to_talk(id, frame.need_to_talk());
        case v1::ClientFrame::kModerateMessage:
            return on_moderate_message(id, frame.moderate_message());
        case v1::ClientFrame::kMuteMember:
            return on_mute_member(id, frame.mute_member());
        case v1::ClientFrame::kRemoveMember:
            return on_remove_member(id, frame.remove_member());
        case v1::ClientFrame::kSetRoomControls:
            return on_set_room_controls(id, frame.set_room_controls());
        case v1::ClientFrame::kListHeld:
            return on_list_held(id, frame.list_held());
        case v1::ClientFrame::kListMembers:
            return on_list_members(id, frame.list_members());
        case v1::ClientFrame::kReportMessage:
            return on_report_message(id, frame.report_message());
        case v1::ClientFrame::kListReports:
            return on_list_reports(id, frame.list_reports());
        case v1::ClientFrame::kHandleReport:
            return on_handle_report(id, frame.handle_report());
        case v1::ClientFrame::kUpdateCase:
            return on_update_case(id, frame.update_case());
        case v1::ClientFrame::kGetCase:
            return on_get_case(id, frame.get_case());
        case v1::ClientFrame::kRevealIdentity:
            return on_reveal_identity(id, frame.reveal_identity());
        case v1::ClientFrame::kStartCheckIn:
            return on_start_check_in(id, frame.start_check_in());
        case v1::ClientFrame::kAnswerCheckIn:
            return on_answer_check_in(id, frame.answer_check_in());
        case v1::ClientFrame::kListParticipation:
            return on_list_participation(id, frame.list_participation());
        case v1::ClientFrame::kEscalateMessage:
            return on_escalate_message(id, frame.escalate_message());
        case v1::ClientFrame::kPing: {
            v1::ServerFrame out;
            out.mutable_pong()->set_client_time_ms(frame.ping().client_time_ms());
            out.mutable_pong()->set_server_time_ms(
                static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count()));
            return reply(id, out);
        }
        case v1::ClientFrame::BODY_NOT_SET:
            return protocol_error(id, v1::ERROR_CODE_UNKNOWN_FRAME,
                                  "this server does not know that request");
    }
}

void websocket_session::on_join(std::uint64_t request_id, const v1::JoinRoom& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    if (room <= 0) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT, "room_id is required");
    }
    std::optional<rooms::resume_point> resume;
    if (req.has_resume())
        resume = rooms::resume_point{req.resume().last_seq(), req.resume().epoch()};
    const bool subscribed = joined_.contains(room);
    auto joined = state_->rooms().join(user_, room, resume, req.history_limit(), shared_from_this(),
                                       !subscribed);
    if (!joined) {
        const auto code = to_error_code(joined.error());
        return reply_error(request_id, code, error_text(code), room);
    }
    joined_[room] = joined->delivered_through;
    v1::ServerFrame out;
    auto* result = out.mutable_joined();
    rooms::fill(*result->mutable_room(), joined->room);
    result->set_recovered(joined->recovered);
    result->set_has_more(joined->has_more);
    for (const auto& m : joined->messages) rooms::fill(*result->add_messages(), m);
    for (const auto& m : joined->present) rooms::fill(*result->add_present(), m);
    fill_facilitation(*result, joined->room);
    reply(request_id, out);
}

void websocket_session::on_leave(std::uint64_t request_id, const v1::LeaveRoom& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    if (joined_.erase(room) > 0) state_->rooms().leave(user_, room, this);
    v1::ServerFrame out;
    out.mutable_left()->set_room_id(req.room_id());
    reply(request_id, out);
}

void websocket_session::on_history(std::uint64_t request_id, const v1::HistoryRequest& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    if (room <= 0) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT, "room_id is required");
    }
    auto page = state_->rooms().history(user_, room, req.before_seq(), req.limit());
    if (!page) {
        const auto code = to_error_code(page.error());
        return reply_error(request_id, code, error_text(code), room);
    }
    v1::ServerFrame out;
    auto* result = out.mutable_history();
    result->set_room_id(req.room_id());
    result->set_has_more(page->has_more);
    for (const auto& m : page->messages) rooms::fill(*result->add_messages(), m);
    reply(request_id, out);
}

void websocket_session::on_send(std::uint64_t request_id, const v1::SendMessage& req) {
    const auto room = static_cast<storage::room_id>(req.room_id());
    const auto& cmid = req.client_msg_id();
    if (room <= 0 || cmid.empty() || cmid.size() > max_client_msg_id_bytes) {
        return reply_error(request_id, v1::ERROR_CODE_INVALID_ARGUMENT,
                           "a send needs room_id and a client_msg_id of 1-64 bytes", room, {});
    }
    // One read: the membership, and the room's session, controls and this user's mute.
    auto checked = state_->rooms().authorize_send(user_, room);
    if (!checked) {
        const auto code = to_error_code(checked.error());
        return reply_error(request_id, code, error_text(code), room, cmid);
    }
    if (!joined_.contains(room)) {
        return reply_error(request_id, v1::ERROR_CODE_NOT_JOINED, "join the room before sending",
                           room, cmid);
    }
    const storage::room& authorized = checked->room;
    // One snapshot for the whole send: a reload meanwhile cannot pair the old ground rules
    // with the new flood guard or agreement.
    const auto rules = state_->in_force();
    const auto& policy = rules->policy;
    // Outside a live session, or before the agreement, a student's send is refused, except
    // a disclosure: it still reaches counselors (kept out of the room) with support.
    const auto gate = posting_gate(authorized, checked->posting, rules->agreement_version);
    const auto decision = moderation::evaluate(
        *policy, authorized.kind, {user_.id, storage::to_string(user_.user_role)}, req.text());
    using moderation::action;
    using moderation::limit_violation;
    // A text moderation could not check is held for the facilitator; where none will read it
    // (the room is closed to this student) it goes to counselors instead, as a disclosure does.
    const bool unscanned = !decision.fault.empty();
    const bool escalate =
        decision.escalate || (unscanned && gate.code != v1::ERROR_CODE_UNSPECIFIED);
    if (decision.limit != limit_violation::none) {
        const auto code =
            decision.limit == limit_violation::too_large ? v1::ERROR_CODE_MESSAGE_TOO_LARGE
            : decision.limit == limit_violation::empty   ? v1::ERROR_CODE_EMPTY_MESSAGE
                                                         : v1::ERROR_CODE_INVALID_ARGUMENT;
        return reply_error(request_id, code, decision.reply, room, cmid);
    }
    if (gate.code != v1::ERROR_CODE_UNSPECIFIED && !escalate) {
        return reply_error(request_id, gate.code, gate.why, room, cmid, gate.retry_after_ms);
    }
    // The send rate limit never stands between a student and a counselor: a message with a
    // risk signal is stored whatever the rate (the frame limit still bounds a flood).
    if (!escalate) {
        if (auto verdict = state_->send_limiter().take("u:" + std::to_string(user_.id));
            !verdict.allowed) {
            return reply_error(request_id, v1::ERROR_CODE_RATE_LIMITED,
                               "you are sending quickly; wait a moment", room, cmid,
                               static_cast<std::uint64_t>(verdict.retry_after.count()));
        }
        // Flooding: rates per user and room and slow mode ask the sender to wait; a repeated
        // message, mention spam or a long run of one character is refused citing the rule.
        // The room's slow mode is in the store (every node enforces the facilitator's
        // setting); the guard keeps when each student last posted.
        const auto room_key = std::to_string(room);
        const bool student = user_.user_role == storage::role::student;
        if (student && rules->flood->slow_mode(room_key).count() != gate.slow_mode_seconds) {
            rules->flood->set_slow_mode(room_key, std::chrono::seconds(gate.slow_mode_seconds));
        }
        const auto flood = rules->flood->check(
            user_.id, room_key, req.text(), moderation::flood_guard::clock::now(), cmid, student);
        if (!flood.allowed) {
            spdlog::info("send flood user={} room={} reason={}", user_.id, room, flood.reason);
            if (flood.reason == "slow_mode" || flood.reason == "user_rate" ||
                flood.reason == "room_rate") {
                return reply_error(request_id, v1::ERROR_CODE_RATE_LIMITED, flood.reply, room, cmid,
                                   static_cast<std::uint64_t>(flood.retry_after.count()));
            }
            return reply_blocked(request_id, room, cmid,
                                 outcome{moderation::action::block, false,
                                         policy->flood_ground_rule(), flood.reply});
        }
    }
    outcome out{decision.act, escalate, decision.ground_rule, decision.reply};
    if (gate.code != v1::ERROR_CODE_UNSPECIFIED) {
        out.act = action::block;  // escalated, kept out of a room the student may not post in
        out.refusal = gate.code;
        if (unscanned) out.reply = gate.why + "; a counselor will read your message instead";
    }
    if (decision.act == action::block && !escalate) {
        spdlog::info("send blocked user={} room={} rule={}", user_.id, room, decision.rule_id);
        return reply_blocked(request_id, room, cmid, out);
    }
    storage::append_request append;
    append.room = room;
    append.sender = user_.id;
    append.client_msg_id = cmid;
    append.text = req.text();
    if (decision.act == action::mask) append.text = decision.masked_text;  // what the room sees
    if (decision.act == action::hold) append.status = storage::message_status::held;
    if (escalate) {
        // A disclosure is never lost: the escalation commits with the message, and a block
        // only keeps the text out of the room, never out of the record.
        append.escalation = storage::escalation_request{storage::escalation_source::risk_rule,
                                                        decision.categories, decision.rule_id};
        append.into_room = out.act != action::block;
        spdlog::info("escalation user={} room={} rule={}", user_.id, room, decision.rule_id);
    }
    if (unscanned) {
        spdlog::error(
            "moderation could not check a send user={} room={}: {}; {}", user_.id, room,
            decision.fault,
            out.act == action::block ? "kept out of the room, escalated" : "held for review");
    }
    state_->rooms().append(
        user_, std::move(append),
        [self = shared_from_this(), request_id, room, cmid,
         out](storage::result<storage::append_result> r) mutable {
            // On the store's writer thread, after the commit: hop back to the strand.
            net::post(self->ws_.get_executor(), [self, request_id, room, cmid = std::move(cmid),
                                                 out = std::move(out), r = std::move(r)]() mutable {
                self->on_appended(request_id, room, std::move(cmid), out, std::move(r));
            });
        });
}

void websocket_session::on_appended(std::uint64_t request_id, storage::room_id room,
                                    std::string client_msg_id, const outcome& out,
                                    storage::result<storage::append_result> r) {
    if (!r) {
        spdlog::warn("send failed user={} room={}: {}", user_.id, room, r.error().message());
        const auto code = to_error_code(r.error());
        return reply_error(request_id, code, error_text(code), room, client_msg_id,
                           code == v1::ERROR_CODE_OVERLOADED ? 1000 : 0);
    }
    if (r->escalation_id != 0 && !r->duplicate && out.act == moderation::action::block) {
        state_->escalation_opened(r->escalation_id);
    }
    if (out.act == moderation::action::block) {
        return reply_blocked(request_id, room, client_msg_id, out);  // escalated, durable
    }
    v1::ServerFrame frame;
    auto* ack = frame.mutable_ack();
    ack->set_room_id(static_cast<std::uint64_t>(room));
    ack->set_seq(r->seq);
    ack->set_epoch(r->epoch);
    ack->set_client_msg_id(std::move(client_msg_id));
    ack->set_duplicate(r->duplicate);
    ack->set_sent_at_ms(static_cast<std::uint64_t>(r->created_at_ms));
    ack->set_status(out.act == moderation::action::hold ? v1::MESSAGE_STATUS_HELD
                                                        : v1::MESSAGE_STATUS_VISIBLE);
    ack->set_notice(out.reply);
    ack->set_ground_rule(static_cast<std::uint32_t>(std::max(out.ground_rule, 0)));
    ack->set_escalated(out.escalate);
    reply(request_id, frame);
    if (r->escalation_id != 0 && !r->duplicate) state_->escalation_opened(r->escalation_id);
}

void websocket_session::reply_blocked(std::uint64_t request_id, storage::room_id room,
                                      std::string_view client_msg_id, const outcome& out) {
    v1::ServerFrame frame;
    auto* e = frame.mutable_error();
    e->set_code(out.refusal);
    e->set_message(out.reply);
    e->set_room_id(static_cast<std::uint64_t>(room));
    e->set_client_msg_id(std::string(client_msg_id));
    e->set_ground_rule(static_cast<std::uint32_t>(std::max(out.ground_rule, 0)));
    e->set_escalated(out.escalate);
    reply(request_id, frame);
}

void websocket_session::on_list_rooms(std::uint64_t request_id) {
    auto list = state_->rooms().rooms_of(user_);
    if (!list) return reply_error(request_id, v1::ERROR_CODE_INTERNAL, "could not list rooms");
    v1::ServerFrame out;
    auto* listed = out.mutable_rooms();  // set even when empty: a user with no rooms gets a list
    for (const auto& r : *list) rooms::fill(*listed->add_rooms(), r);
    reply(request_id, out);
}

void websocket_session::reply(std::uint64_t request_id, v1::ServerFrame& frame) {
    frame.set_request_id(request_id);
    enqueue(rooms::encode(frame));
}

void websocket_session::reply_error(std::uint64_t request_id, v1::ErrorCode code,
                                    std::string_view message, storage::room_id room,
                                    std::string_view client_msg_id, std::uint64_t retry_after_ms) {
    v1::ServerFrame out;
    auto* e = out.mutable_error();
    e->set_code(code);
    e->set_message(std::string(message));
    e->set_room_id(static_cast<std::uint64_t>(room));
    e->set_client_msg_id(std::string(client_msg_id));
    e->set_retry_after_ms(retry_after_ms);
    reply(request_id, out);
}

// Malformed or unknown frames are answered, counted, and past the limit close the connection.
void websocket_session::protocol_error(std::uint64_t request_id, v1::ErrorCode code,
                                       std::string_view message) {
    spdlog::info("protocol error user={} code={}", user_.id, v1::ErrorCode_Name(code));
    reply_error(request_id, code, message);
    if (++protocol_errors_ >= state_->cfg().lim.max_protocol_errors) {
        close(websocket::close_code::policy_error, "too many malformed frames", true);
    }
}

}  // namespace circles::gateway
