// The requests a client may make on its WebSocket, each answered with a result or a typed
// Error naming what was wrong. Membership is checked on every request, never remembered.
#include <spdlog/spdlog.h>

#include "circles/rooms/frames.hpp"
#include "websocket_session.hpp"

namespace circles::gateway {

namespace {

constexpr std::size_t max_client_msg_id_bytes = 64;

v1::ErrorCode to_error_code(const boost::system::error_code& ec) {
    if (ec == rooms::errc::room_not_found) return v1::ERROR_CODE_ROOM_NOT_FOUND;
    if (ec == rooms::errc::not_a_member) return v1::ERROR_CODE_NOT_A_MEMBER;
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
        default:
            return "something went wrong on the server; nothing was sent";
    }
}

}  // namespace

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
    auto authorized = state_->rooms().authorize(user_, room);
    if (!authorized) {
        const auto code = to_error_code(authorized.error());
        return reply_error(request_id, code, error_text(code), room, cmid);
    }
    if (!joined_.contains(room)) {
        return reply_error(request_id, v1::ERROR_CODE_NOT_JOINED, "join the room before sending",
                           room, cmid);
    }
    if (auto verdict = state_->send_limiter().take("u:" + std::to_string(user_.id));
        !verdict.allowed) {
        return reply_error(request_id, v1::ERROR_CODE_RATE_LIMITED,
                           "you are sending quickly; wait a moment", room, cmid,
                           static_cast<std::uint64_t>(verdict.retry_after.count()));
    }
    const auto decision = moderation::evaluate(
        state_->policy(), {user_.id, storage::to_string(user_.user_role)}, req.text());
    if (decision.act == moderation::action::block) {
        using moderation::limit_violation;
        const auto code =
            decision.limit == limit_violation::too_large      ? v1::ERROR_CODE_MESSAGE_TOO_LARGE
            : decision.limit == limit_violation::empty        ? v1::ERROR_CODE_EMPTY_MESSAGE
            : decision.limit == limit_violation::invalid_utf8 ? v1::ERROR_CODE_INVALID_ARGUMENT
                                                              : v1::ERROR_CODE_BLOCKED_BY_POLICY;
        return reply_error(request_id, code, decision.reply, room, cmid);
    }
    storage::append_request append{room, user_.id, cmid, req.text(),
                                   storage::message_status::visible};
    state_->rooms().append(
        user_, std::move(append),
        [self = shared_from_this(), request_id, room,
         cmid](storage::result<storage::append_result> r) mutable {
            // On the store's writer thread, after the commit: hop back to the strand.
            net::post(self->ws_.get_executor(),
                      [self, request_id, room, cmid = std::move(cmid), r = std::move(r)]() mutable {
                          self->on_appended(request_id, room, std::move(cmid), std::move(r));
                      });
        });
}

void websocket_session::on_appended(std::uint64_t request_id, storage::room_id room,
                                    std::string client_msg_id,
                                    storage::result<storage::append_result> r) {
    if (!r) {
        spdlog::warn("send failed user={} room={}: {}", user_.id, room, r.error().message());
        const auto code = to_error_code(r.error());
        return reply_error(request_id, code, error_text(code), room, client_msg_id,
                           code == v1::ERROR_CODE_OVERLOADED ? 1000 : 0);
    }
    v1::ServerFrame out;
    auto* ack = out.mutable_ack();
    ack->set_room_id(static_cast<std::uint64_t>(room));
    ack->set_seq(r->seq);
    ack->set_epoch(r->epoch);
    ack->set_client_msg_id(std::move(client_msg_id));
    ack->set_duplicate(r->duplicate);
    ack->set_sent_at_ms(static_cast<std::uint64_t>(r->created_at_ms));
    reply(request_id, out);
}

void websocket_session::on_list_rooms(std::uint64_t request_id) {
    auto list = state_->rooms().rooms_of(user_);
    if (!list) return reply_error(request_id, v1::ERROR_CODE_INTERNAL, "could not list rooms");
    v1::ServerFrame out;
    for (const auto& r : *list) rooms::fill(*out.mutable_rooms()->add_rooms(), r);
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
        close(websocket::close_code::policy_error, "too many malformed frames");
    }
}

}  // namespace circles::gateway
