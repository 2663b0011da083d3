#pragma once
// One hiredis async connection that keeps itself connected: resolve (Asio, off the I/O
// threads), non-blocking connect, AUTH and SELECT, then "up"; on any loss, a retry after an
// exponential backoff, forever. Every member runs on one strand, shared with the owner (the
// bus or the presence), so the owner's handlers and hiredis never run concurrently.
//
// Commands are sent only while up; otherwise command() returns false at once and the caller
// decides (the bus drops the publish; the presence re-announces on reconnect).
#include <hiredis/async.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "asio_adapter.hpp"
#include "circles/cluster/redis_options.hpp"

namespace circles::cluster::detail {

// A string or status reply's text ("" for other kinds); valid while the reply is.
inline std::string_view text_of(const redisReply& r) {
    return r.str ? std::string_view(r.str, r.len) : std::string_view{};
}

struct connection_limits {
    backoff_limits backoff;
    std::chrono::milliseconds connect_timeout;
    std::chrono::milliseconds command_timeout;
};

class connection : public std::enable_shared_from_this<connection> {
  public:
    struct callbacks {
        std::function<void()> up;    // connected, authenticated, database selected
        std::function<void()> down;  // was up and is gone; a retry is scheduled
        // Every pub/sub reply (subscribe confirmations, messages) of subscribe(); the reply
        // is valid only during the call.
        std::function<void(const redisReply&)> message;
    };
    // nullptr when the connection was lost before the reply came.
    using reply_fn = std::function<void(const redisReply*)>;

    // `name` appears in logs ("bus publish", "presence subscribe").
    connection(const strand& ex, redis_endpoint ep, connection_limits lim, std::string name,
               callbacks cb);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    // On the strand.
    void start();
    // On the strand. Frees the context at once (pending replies are dropped unseen) and
    // cancels every timer; no callback runs after it.
    void stop();
    bool up() const noexcept { return state_ == state::up; }

    // On the strand. Binary-safe arguments. False when not up (h is not called).
    bool command(const std::vector<std::string_view>& argv, reply_fn h);
    // On the strand. SUBSCRIBE / UNSUBSCRIBE one channel; replies go to callbacks.message.
    bool subscribe(std::string_view channel);
    bool unsubscribe(std::string_view channel);

  private:
    enum class state { idle, resolving, connecting, handshake, up, waiting, stopped };
    struct pending;

    static void on_connect(const redisAsyncContext* ac, int status);
    static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);
    static void on_pubsub(redisAsyncContext* ac, void* reply, void* privdata);

    void resolve();
    void open(const std::string& ip);
    void connected();
    void handshake_done();
    void on_detached(int err, const std::string& errstr);
    void schedule_retry();
    void drop(const char* why);
    void watch();
    std::chrono::milliseconds next_delay();

    strand strand_;
    redis_endpoint ep_;
    connection_limits lim_;
    std::string name_;
    callbacks cb_;

    state state_ = state::idle;
    redisAsyncContext* ac_ = nullptr;
    boost::asio::ip::tcp::resolver resolver_;
    boost::asio::steady_timer retry_timer_;
    boost::asio::steady_timer connect_timer_;
    boost::asio::steady_timer watchdog_;
    unsigned attempt_ = 0;               // failed attempts since the last time it was up
    bool outage_logged_ = false;         // one warning per outage, the rest at debug
    bool handshake_failed_ = false;      // this attempt's AUTH/SELECT was refused
    const char* drop_reason_ = nullptr;  // why drop() freed the context, for on_detached
    std::uint64_t generation_ = 0;       // bumped per context, so stale posts are ignored
    std::size_t outstanding_ = 0;        // commands sent whose reply has not come
    std::chrono::steady_clock::time_point last_progress_;
};

}  // namespace circles::cluster::detail
