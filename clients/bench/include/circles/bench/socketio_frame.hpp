#pragma once
// Engine.IO v4 / Socket.IO v5 text framing over a WebSocket, the part a load generator needs.
//
// Each WebSocket text frame is one Engine.IO packet: a type digit, then data.
//   0{"sid":..,"pingInterval":..}  open (server first)   2 ping (server)   3 pong (client)
//   1 close                         4<socket.io packet>    6 noop
// A Socket.IO packet inside an Engine.IO message is
//   <type>[<attachments>-][/<namespace>,][<ack id>][<JSON>]
// with type 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR, 5/6 binary (unused here).
// An event's JSON is an array ["name", args...]; an ack's JSON is the array of the ack's args.
// Binary packets and namespaces other than "/" are parsed but never produced.
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace circles::bench::socketio {

enum class engine_type : char {
    open = '0',
    close = '1',
    ping = '2',
    pong = '3',
    message = '4',
    upgrade = '5',
    noop = '6',
};

enum class packet_type : int {
    connect = 0,
    disconnect = 1,
    event = 2,
    ack = 3,
    connect_error = 4,
    binary_event = 5,
    binary_ack = 6,
};

// One parsed frame. The views point into the frame text: keep it alive while using them.
struct frame {
    engine_type engine = engine_type::noop;
    std::string_view engine_data;  // after the Engine.IO type digit
    // Only for engine_type::message:
    std::optional<packet_type> type;
    std::string_view nsp = "/";
    std::optional<std::uint64_t> ack_id;
    std::string_view json;  // the JSON payload, empty if none
};

// nullopt for a frame that is not Engine.IO v4 / Socket.IO v5.
std::optional<frame> parse(std::string_view text);

struct open_info {
    std::string sid;
    std::chrono::milliseconds ping_interval{25000};
    std::chrono::milliseconds ping_timeout{20000};
};

// The data of an open packet ({"sid":...,"pingInterval":...}); nullopt if it is not one.
std::optional<open_info> parse_open(std::string_view json);

// An event's name and first argument (null when there is none). nullopt if `json` is not an
// array starting with a string.
struct event {
    std::string name;
    boost::json::value arg;
};
std::optional<event> parse_event(std::string_view json);

// Formatting, always for the default namespace "/".
inline std::string format_pong() { return "3"; }
inline std::string format_connect() { return "40"; }
// 42[<ack id>]["name",<arg JSON>]; `arg_json` must already be valid JSON.
std::string format_event(std::string_view name, std::string_view arg_json,
                         std::optional<std::uint64_t> ack_id = std::nullopt);

}  // namespace circles::bench::socketio
