#pragma once
// What the integration tests drive: the real `circles` binary as a child process on a free
// loopback port, and a small synchronous client that logs in over HTTP and speaks the
// protobuf protocol over a real WebSocket. Every wait is bounded.
#include <sys/types.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "circles/v1/circles.pb.h"

namespace circles::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

inline constexpr const char* demo_password = "circles-demo";
// A disclosure the default policy escalates (self-harm, with means).
inline constexpr const char* risky_text = "i have been saving my pills so i can take them all";

std::uint16_t free_port();
std::filesystem::path make_temp_dir();

// How the server under test runs its rooms. Suites about chat, limits, moderation, paging
// and scale-out run them always live (`facilitated_sessions = false`), so their students post
// without a facilitator; sessions_test.cpp and the browser test run the product's default.
enum class rooms_mode { always_live, facilitated };

// A circles process: `circles demo --listen 127.0.0.1:PORT --data DIR --config FILE`.
class server_process {
  public:
    explicit server_process(std::filesystem::path data_dir, std::string config_toml = {},
                            rooms_mode mode = rooms_mode::always_live);
    ~server_process();
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;

    void start();               // returns when /healthz answers; throws on failure
    int stop(int signal = 15);  // sends the signal and waits; returns the exit status
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }

    std::uint16_t port() const { return port_; }
    std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
    const std::filesystem::path& data_dir() const { return data_dir_; }
    std::string log() const;  // what the process printed

  private:
    std::filesystem::path data_dir_;
    std::string config_toml_;
    rooms_mode mode_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

// A shell command run to completion (stderr with stdout); status -1 if it did not exit.
struct command_result {
    int status = -1;
    std::string output;
};
command_result run_command(const std::string& command);
// `circles ARGS`, the binary under test.
command_result run_circles(const std::string& args);

struct http_result {
    unsigned status = 0;
    std::string body;
    std::string set_cookie;
};

http_result http_request(std::uint16_t port, http::verb verb, const std::string& target,
                         const std::string& body = {},
                         const std::vector<std::pair<std::string, std::string>>& headers = {});

// Logs in and returns the session token; throws on failure.
std::string login(std::uint16_t port, const std::string& username,
                  const std::string& password = demo_password);

struct upgrade_refused {
    unsigned status = 0;
};

// How long a client waits by default for the Hello, a reply or a close. Only a slow machine
// ever waits this long; a test that expects nothing passes its own, shorter, wait.
inline constexpr std::chrono::milliseconds reply_wait = 15s;

// A WebSocket client of one user.
class client {
  public:
    // Connects and completes the upgrade; throws beast::system_error if the upgrade fails.
    // `batched`: offer the "circles.v1.batch" subprotocol; next() then hands out the frames of
    // a FrameBatch one by one. A client that did not offer it throws on a batch.
    client(std::uint16_t port, const std::string& token, const std::string& origin,
           bool batched = false);
    ~client();

    // Opens a connection, reporting the HTTP status of a refused upgrade (101 on success).
    static unsigned try_upgrade(std::uint16_t port, const std::string& token,
                                const std::string& origin);

    v1::Hello& hello() { return hello_; }

    std::uint64_t send(v1::ClientFrame frame);  // assigns and returns the request id
    void send_raw(const std::string& bytes, bool binary = true);

    // The next frame, or nullopt if none arrives in time (the connection stays open) or the
    // connection closed (closed() tells which).
    std::optional<v1::ServerFrame> next(std::chrono::milliseconds timeout = reply_wait);
    // Frames until one matches; others are kept for later next() calls. nullopt on timeout.
    std::optional<v1::ServerFrame> wait_for(const std::function<bool(const v1::ServerFrame&)>& pred,
                                            std::chrono::milliseconds timeout = reply_wait);
    std::optional<v1::ServerFrame> wait_reply(std::uint64_t request_id,
                                              std::chrono::milliseconds timeout = reply_wait);
    // Whether a frame matching `pred` has arrived, or arrives before the answer to a ping sent
    // now. One node queues every event it published before the ping ahead of the pong, so a
    // "nobody else was told" check needs no timed wait. Frames stay for later calls.
    bool receives_before_pong(const std::function<bool(const v1::ServerFrame&)>& pred);
    // Drops every frame that arrived before the answer to a ping sent now, so a later
    // wait_for() can only match what the server sent after this call: a "left" that a test
    // waits for after stopping something is then not one from before.
    void discard_received();

    // Convenience requests that wait for their reply.
    v1::ServerFrame join(std::uint64_t room, std::optional<v1::Resume> resume = {});
    v1::ServerFrame send_text(std::uint64_t room, const std::string& client_msg_id,
                              const std::string& text);
    std::uint64_t room_id(const std::string& name);  // from ListRooms

    bool closed() const { return closed_; }
    // The subprotocol the server answered the upgrade with ("" for none).
    const std::string& subprotocol() const { return subprotocol_; }
    // FrameBatch messages received so far, and the frames they held in all.
    std::size_t batches() const { return batches_; }
    std::size_t batched_frames() const { return batched_frames_; }
    websocket::close_reason close_reason() const { return ws_.reason(); }
    // Waits until the server closes the connection; returns its close code (0 if none).
    std::uint16_t wait_closed(std::chrono::milliseconds timeout = reply_wait);
    void close();

  private:
    net::io_context ioc_;
    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    std::vector<v1::ServerFrame> pending_;
    std::deque<v1::ServerFrame> unbatched_;  // the rest of the last FrameBatch, in order
    bool batched_ = false;
    std::string subprotocol_;
    std::size_t batches_ = 0;
    std::size_t batched_frames_ = 0;
    v1::Hello hello_;
    std::uint64_t next_request_ = 1;
    bool closed_ = false;
    // One read stays outstanding across next() calls, so a timeout never abandons the
    // connection: a websocket read cannot be cancelled without ending the stream.
    bool read_pending_ = false;
    bool read_done_ = false;
    beast::error_code read_ec_;
};

// The messages `c` receives, in arrival order, until it has `n`, the time runs out, or the
// connection closes. Other frames are skipped.
std::vector<v1::MessageEvent> receive_messages(client& c, std::size_t n,
                                               std::chrono::seconds limit = 20s);

// The first column of the first row `sql` yields from the SQLite file, read-only, as text;
// "(none)" when there is no row or the file cannot be read.
std::string sqlite_scalar(const std::filesystem::path& db_file, const std::string& sql);
// Runs a statement on a stopped server's database; false if it failed.
bool sqlite_exec(const std::filesystem::path& db_file, const std::string& sql);

}  // namespace circles::test
