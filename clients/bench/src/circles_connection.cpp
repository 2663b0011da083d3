#include "circles_connection.hpp"

#include <boost/beast/http/field.hpp>

namespace circles::bench {

namespace http = beast::http;

namespace {

// "error_RATE_LIMITED" for ERROR_CODE_RATE_LIMITED; a code this build does not know by number.
std::string error_kind(int code) {
    constexpr std::string_view prefix = "ERROR_CODE_";
    const auto& name = v1::ErrorCode_Name(code);
    if (name.size() > prefix.size()) return "error_" + name.substr(prefix.size());
    return "error_" + std::to_string(code);
}

}  // namespace

void circles_connection::decorate(websocket::request_type& req) const {
    req.set(http::field::origin, state().origin);
    req.set(http::field::authorization, "Bearer " + plan().token);
    if (state().opt.batch) req.set(http::field::sec_websocket_protocol, "circles.v1.batch");
}

void circles_connection::on_frame(std::string_view data) {
    // One parse buffer per thread: a worker's connections never parse at the same time.
    thread_local v1::ServerFrame frame;
    if (!frame.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
        return error("malformed_frame");
    }
    if (!frame.has_batch()) return on_server_frame(frame);
    thread_local v1::ServerFrame inner;
    for (const auto& bytes : frame.batch().frames()) {
        if (!live()) return;  // a frame before this one ended the connection
        if (!inner.ParseFromString(bytes) || inner.has_batch()) {
            error("malformed_frame");
            continue;
        }
        on_server_frame(inner);
    }
}

void circles_connection::on_server_frame(const v1::ServerFrame& frame) {
    switch (frame.body_case()) {
        case v1::ServerFrame::kHello: {
            if (!setting_up()) return;
            v1::ClientFrame join;
            join.set_request_id(join_request_id);
            join.mutable_join()->set_room_id(plan().room_id);
            join.mutable_join()->set_history_limit(1);  // the newest message, not a page
            return write(join.SerializeAsString());
        }
        case v1::ServerFrame::kJoined:
            if (frame.request_id() == join_request_id) joined();
            return;
        case v1::ServerFrame::kMessage:
            return message_arrived(frame.message().client_msg_id());
        case v1::ServerFrame::kAck:
            if (frame.ack().duplicate()) error("duplicate_ack");
            return ack_arrived(frame.ack().client_msg_id());
        case v1::ServerFrame::kError: {
            const auto& e = frame.error();
            const std::string kind = error_kind(e.code());
            if (setting_up() && frame.request_id() == join_request_id) {
                return setup_failed("join_" + kind);
            }
            if (!e.client_msg_id().empty()) return send_refused(e.client_msg_id(), kind);
            return error(kind);
        }
        default:
            return;  // presence, pongs, removals: not what is measured
    }
}

std::string circles_connection::encode_send(const message_tag& tag) {
    thread_local v1::ClientFrame frame;
    frame.set_request_id(next_request_id_++);
    auto* send = frame.mutable_send();
    send->set_room_id(plan().room_id);
    send->set_client_msg_id(format_tag(tag));
    send->set_text(varied_text(state().text, tag.seq));
    return frame.SerializeAsString();
}

}  // namespace circles::bench
