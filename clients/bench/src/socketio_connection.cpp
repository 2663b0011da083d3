#include "socketio_connection.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>

#include "circles/bench/socketio_frame.hpp"

namespace circles::bench {

namespace http = beast::http;
namespace json = boost::json;

namespace {

// The "id" of a message object, or of the first argument of an ack ([{"id": ...}]).
std::string_view id_of(const json::value& v) {
    const json::value* object = &v;
    if (const auto* a = v.if_array()) {
        if (a->empty()) return {};
        object = &a->front();
    }
    const auto* o = object->if_object();
    const auto* id = o ? o->if_contains("id") : nullptr;
    return id && id->is_string() ? std::string_view(id->as_string()) : std::string_view{};
}

}  // namespace

std::string socketio_connection::room_name() const {
    std::string name = "r";  // appended, not "r" + ...: GCC 12 warns falsely (-Wrestrict) there
    name += std::to_string(plan().room_index);
    return name;
}

void socketio_connection::decorate(websocket::request_type& req) const {
    req.set(http::field::origin, state().origin);
}

void socketio_connection::on_frame(std::string_view data) {
    const auto f = socketio::parse(data);
    if (!f) return error("malformed_frame");
    switch (f->engine) {
        case socketio::engine_type::open:
            if (!socketio::parse_open(f->engine_data)) return setup_failed("socketio_open");
            return write(socketio::format_connect());
        case socketio::engine_type::ping:
            return write(socketio::format_pong());
        case socketio::engine_type::close:
            return error("socketio_close");
        case socketio::engine_type::message:
            break;
        default:
            return;
    }
    using socketio::packet_type;
    switch (*f->type) {
        case packet_type::connect: {
            if (!setting_up()) return;
            return write(socketio::format_event("join", json::serialize(json::value(room_name())),
                                                join_ack_id));
        }
        case packet_type::connect_error:
            return setup_failed("socketio_connect_error");
        case packet_type::disconnect:
            return error("socketio_disconnect");
        case packet_type::ack: {
            if (!f->ack_id) return error("malformed_frame");
            if (*f->ack_id == join_ack_id) return joined();
            json::error_code ec;
            const auto v = json::parse(f->json, ec);
            if (ec) return error("malformed_frame");
            return ack_arrived(id_of(v));
        }
        case packet_type::event: {
            auto ev = socketio::parse_event(f->json);
            if (!ev) return error("malformed_frame");
            if (ev->name != "msg") return;
            return message_arrived(id_of(ev->arg));
        }
        default:
            return error("socketio_binary");
    }
}

std::string socketio_connection::encode_send(const message_tag& tag) {
    // The text was escaped once for the whole run; only the tag and a leading word of
    // letters (nothing to escape) change, as in the Circles scenario.
    std::string arg = "{\"room\":\"" + room_name() + "\",\"id\":\"" + format_tag(tag) +
                      "\",\"text\":\"" + varied_text("", tag.seq) + state().text_json.substr(1) +
                      "}";
    return socketio::format_event("msg", arg, next_ack_id_++);
}

}  // namespace circles::bench
