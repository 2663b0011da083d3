#include "circles/bench/socketio_frame.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

namespace circles::bench::socketio {

namespace json = boost::json;

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Splits the Socket.IO packet after its type digit: attachments, namespace, ack id, JSON.
bool parse_packet(std::string_view rest, frame& out) {
    // "<n>-" attachments of a binary packet: skipped, the placeholders stay in the JSON.
    if (out.type == packet_type::binary_event || out.type == packet_type::binary_ack) {
        const auto dash = rest.find('-');
        if (dash == std::string_view::npos || dash == 0) return false;
        for (std::size_t i = 0; i < dash; ++i) {
            if (!is_digit(rest[i])) return false;
        }
        rest.remove_prefix(dash + 1);
    }
    if (!rest.empty() && rest.front() == '/') {
        const auto comma = rest.find(',');
        if (comma == std::string_view::npos) {
            out.nsp = rest;  // "/admin" alone: a connect to a namespace, no payload
            return true;
        }
        out.nsp = rest.substr(0, comma);
        rest.remove_prefix(comma + 1);
    }
    std::size_t digits = 0;
    while (digits < rest.size() && is_digit(rest[digits])) ++digits;
    if (digits > 0) {
        std::uint64_t id = 0;
        const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + digits, id);
        if (ec != std::errc{}) return false;
        out.ack_id = id;
        rest.remove_prefix(digits);
    }
    out.json = rest;
    return true;
}

std::optional<std::int64_t> integer(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v) return std::nullopt;
    if (const auto* i = v->if_int64()) return *i;
    if (const auto* u = v->if_uint64()) return static_cast<std::int64_t>(*u);
    return std::nullopt;
}

}  // namespace

std::optional<frame> parse(std::string_view text) {
    if (text.empty() || text.front() < '0' || text.front() > '6') return std::nullopt;
    frame out;
    out.engine = static_cast<engine_type>(text.front());
    out.engine_data = text.substr(1);
    if (out.engine != engine_type::message) return out;
    if (out.engine_data.empty() || out.engine_data.front() < '0' || out.engine_data.front() > '6') {
        return std::nullopt;
    }
    out.type = static_cast<packet_type>(out.engine_data.front() - '0');
    if (!parse_packet(out.engine_data.substr(1), out)) return std::nullopt;
    return out;
}

std::optional<open_info> parse_open(std::string_view text) {
    json::error_code ec;
    const auto v = json::parse(text, ec);
    const auto* o = ec ? nullptr : v.if_object();
    if (!o) return std::nullopt;
    const auto* sid = o->if_contains("sid");
    if (!sid || !sid->is_string()) return std::nullopt;
    open_info info;
    info.sid = std::string(sid->as_string());
    if (auto i = integer(*o, "pingInterval")) info.ping_interval = std::chrono::milliseconds(*i);
    if (auto t = integer(*o, "pingTimeout")) info.ping_timeout = std::chrono::milliseconds(*t);
    return info;
}

std::optional<event> parse_event(std::string_view text) {
    json::error_code ec;
    auto v = json::parse(text, ec);
    auto* a = ec ? nullptr : v.if_array();
    if (!a || a->empty() || !a->front().is_string()) return std::nullopt;
    event out;
    out.name = std::string(a->front().as_string());
    if (a->size() > 1) out.arg = std::move((*a)[1]);
    return out;
}

std::string format_event(std::string_view name, std::string_view arg_json,
                         std::optional<std::uint64_t> ack_id) {
    std::string out = "42";
    if (ack_id) out += std::to_string(*ack_id);
    out += '[';
    out += json::serialize(json::string_view(name.data(), name.size()));
    if (!arg_json.empty()) {
        out += ',';
        out += arg_json;
    }
    out += ']';
    return out;
}

}  // namespace circles::bench::socketio
