#pragma once
// The command line of circles-bench. parse_options throws std::invalid_argument with one line
// naming the option; main prints it with the usage and exits 2.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace circles::bench {

enum class protocol { circles, socketio };

struct options {
    protocol proto = protocol::circles;
    std::string url;          // empty until finish(): the protocol's default
    std::string origin;       // empty: http://HOST:PORT of the url
    std::string tokens_file;  // circles: required (from `circles admin bench-fixture`)
    std::size_t connections = 60;
    std::size_t room_size = 6;
    double rate = 1.0;  // messages per second per member
    double duration_s = 10.0;
    double warmup_s = 2.0;
    // After the window, the wait for its last deliveries and acks ends when all are in, when
    // none has come for drain_s (what is still missing then is lost), or at drain_max_s.
    double drain_s = 5.0;
    double drain_max_s = 120.0;
    double settle_s = 1.0;                  // after everyone joined, before the idle RSS sample
    double setup_timeout_s = 60.0;          // per connection: connect, upgrade, authenticate, join
    std::size_t connect_concurrency = 200;  // setups in flight, over all threads
    std::size_t message_bytes = 64;
    unsigned threads = 1;
    int server_pid = 0;
    bool json = false;
    bool batch = true;     // circles: offer the "circles.v1.batch" subprotocol (FrameBatch)
    bool progress = true;  // the one-line progress on stderr (never with --json)
    bool help = false;
};

// Every flag, its value, and what it means, for --help.
extern const char* const usage_text;

options parse_options(const std::vector<std::string>& args);

struct ws_url {
    std::string host;
    std::string port;
    std::string target;  // path and query
};

// ws://HOST[:PORT][/PATH[?QUERY]]. An empty or "/" path becomes the protocol's endpoint: /ws
// for Circles, /socket.io/?EIO=4&transport=websocket for Socket.IO. wss:// is refused (the
// benchmark measures the server, not TLS; put it behind the proxy you deploy if you must).
ws_url parse_ws_url(std::string_view url, protocol p);

}  // namespace circles::bench
