// The command line and the WebSocket url.
#include "circles/bench/options.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace circles::bench {
namespace {

std::vector<std::string> words(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

TEST(BenchOptions, DefaultsForSocketIo) {
    const auto o = parse_options({"--protocol", "socketio"});
    EXPECT_EQ(o.proto, protocol::socketio);
    EXPECT_EQ(o.room_size, 6u);
    EXPECT_EQ(o.threads, 1u);
    EXPECT_EQ(o.url, "ws://127.0.0.1:3000");
    EXPECT_TRUE(o.progress);
    EXPECT_FALSE(o.json);
}

TEST(BenchOptions, ReadsEveryOption) {
    const auto o = parse_options(
        words("--url ws://10.0.0.2:9000/ws --connections 600 --room-size 8 --rate 2.5 "
              "--duration 30 --warmup 5 --drain 3 --drain-max 60 --server-pid 1234 --tokens t.txt "
              "--json --threads 2 --message-bytes 200 --origin http://x --settle 0 "
              "--setup-timeout 9 --connect-concurrency 50"));
    EXPECT_EQ(o.proto, protocol::circles);
    EXPECT_EQ(o.url, "ws://10.0.0.2:9000/ws");
    EXPECT_EQ(o.connections, 600u);
    EXPECT_EQ(o.room_size, 8u);
    EXPECT_DOUBLE_EQ(o.rate, 2.5);
    EXPECT_DOUBLE_EQ(o.duration_s, 30);
    EXPECT_DOUBLE_EQ(o.warmup_s, 5);
    EXPECT_DOUBLE_EQ(o.drain_s, 3);
    EXPECT_DOUBLE_EQ(o.drain_max_s, 60);
    EXPECT_EQ(o.server_pid, 1234);
    EXPECT_EQ(o.tokens_file, "t.txt");
    EXPECT_TRUE(o.json);
    EXPECT_FALSE(o.progress);  // --json keeps stderr quiet too
    EXPECT_EQ(o.threads, 2u);
    EXPECT_EQ(o.message_bytes, 200u);
    EXPECT_EQ(o.origin, "http://x");
    EXPECT_DOUBLE_EQ(o.settle_s, 0);
    EXPECT_DOUBLE_EQ(o.setup_timeout_s, 9);
    EXPECT_EQ(o.connect_concurrency, 50u);
}

TEST(BenchOptions, RefusesWhatItCannotUse) {
    EXPECT_THROW(parse_options({}), std::invalid_argument);  // circles needs --tokens
    EXPECT_THROW(parse_options({"--protocol", "mqtt"}), std::invalid_argument);
    EXPECT_THROW(parse_options({"--protocol", "socketio", "--rate", "0"}), std::invalid_argument);
    EXPECT_THROW(parse_options({"--protocol", "socketio", "--rate", "fast"}),
                 std::invalid_argument);
    EXPECT_THROW(parse_options({"--protocol", "socketio", "--connections", "-3"}),
                 std::invalid_argument);
    EXPECT_THROW(parse_options({"--protocol", "socketio", "--connections"}), std::invalid_argument);
    EXPECT_THROW(parse_options({"--protocol", "socketio", "--frobnicate", "1"}),
                 std::invalid_argument);
    EXPECT_THROW(parse_options({"--protocol", "socketio", "stray"}), std::invalid_argument);
    EXPECT_TRUE(parse_options({"--help"}).help);
}

TEST(BenchOptions, UrlDefaultsToTheProtocolsEndpoint) {
    auto u = parse_ws_url("ws://127.0.0.1:8080", protocol::circles);
    EXPECT_EQ(u.host, "127.0.0.1");
    EXPECT_EQ(u.port, "8080");
    EXPECT_EQ(u.target, "/ws");
    u = parse_ws_url("ws://localhost:3000/", protocol::socketio);
    EXPECT_EQ(u.host, "localhost");
    EXPECT_EQ(u.target, "/socket.io/?EIO=4&transport=websocket");
    u = parse_ws_url("ws://example.org/chat?x=1", protocol::circles);
    EXPECT_EQ(u.port, "80");
    EXPECT_EQ(u.target, "/chat?x=1");
    u = parse_ws_url("ws://[::1]:8080/ws", protocol::circles);
    EXPECT_EQ(u.host, "::1");
    EXPECT_EQ(u.port, "8080");
    EXPECT_THROW(parse_ws_url("wss://x/ws", protocol::circles), std::invalid_argument);
    EXPECT_THROW(parse_ws_url("http://x/ws", protocol::circles), std::invalid_argument);
    EXPECT_THROW(parse_ws_url("ws://:80/ws", protocol::circles), std::invalid_argument);
    EXPECT_THROW(parse_ws_url("ws://x:99999/ws", protocol::circles), std::invalid_argument);
}

}  // namespace
}  // namespace circles::bench
