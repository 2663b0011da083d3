#include "connection.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <random>

namespace circles::cluster::detail {

namespace {

// The watchdog looks at the oldest unanswered command this often (at least).
constexpr std::chrono::milliseconds min_watch_interval{50};
// Doubling stops here; the delay is capped by backoff.max long before.
constexpr unsigned max_backoff_doublings = 20;

std::chrono::milliseconds jittered(std::chrono::milliseconds d) {
    thread_local std::minstd_rand rng{std::random_device{}()};
    const auto half = d.count() / 2;
    if (half <= 0) return d;
    std::uniform_int_distribution<long long> pick(0, half);
    return std::chrono::milliseconds(d.count() - pick(rng));
}

}  // namespace

struct connection::pending {
    connection* conn;
    reply_fn fn;
};

connection::connection(const strand& ex, redis_endpoint ep, connection_limits lim, std::string name,
                       callbacks cb)
    : strand_(ex),
      ep_(std::move(ep)),
      lim_(lim),
      name_(std::move(name)),
      cb_(std::move(cb)),
      resolver_(ex),
      retry_timer_(ex),
      connect_timer_(ex),
      watchdog_(ex) {}

connection::~connection() { stop(); }

void connection::start() {
    if (state_ != state::idle) return;
    resolve();
}

void connection::stop() {
    if (state_ == state::stopped) return;
    state_ = state::stopped;
    resolver_.cancel();
    retry_timer_.cancel();
    connect_timer_.cancel();
    watchdog_.cancel();
    // Pending replies are dropped by on_reply (state is stopped); cleanup clears ac_.
    if (ac_) redisAsyncFree(ac_);
}

// Name resolution goes through Asio (its resolver thread), never getaddrinfo on an I/O
// thread; hiredis then gets an address literal, which it does not look up.
void connection::resolve() {
    state_ = state::resolving;
    boost::system::error_code ec;
    const auto literal = boost::asio::ip::make_address(ep_.host, ec);
    if (!ec) return open(literal.to_string());
    resolver_.async_resolve(
        ep_.host, std::to_string(ep_.port),
        [self = shared_from_this()](const boost::system::error_code& e,
                                    boost::asio::ip::tcp::resolver::results_type results) {
            if (self->state_ != state::resolving) return;
            if (e || results.empty()) {
                if (!self->outage_logged_) {
                    spdlog::warn("redis {}: cannot resolve {} ({}); retrying", self->name_,
                                 self->ep_.host, e ? e.message() : "no address");
                    self->outage_logged_ = true;
                }
                self->state_ = state::waiting;
                return self->schedule_retry();
            }
            self->open(results.begin()->endpoint().address().to_string());
        });
}

void connection::open(const std::string& ip) {
    state_ = state::connecting;
    redisAsyncContext* ac = redisAsyncConnect(ip.c_str(), ep_.port);
    const auto fail = [&](const char* why) {
        if (!outage_logged_) {
            spdlog::warn("redis {}: cannot connect to {} ({}); retrying", name_, ep_.redacted(),
                         why);
            outage_logged_ = true;
        } else {
            spdlog::debug("redis {}: connect failed ({})", name_, why);
        }
        if (ac) redisAsyncFree(ac);
        state_ = state::waiting;
        schedule_retry();
    };
    if (!ac) return fail("out of memory");
    if (ac->err) return fail(ac->errstr);
    if (!asio_adapter::attach(ac, strand_, [this](int err, const std::string& errstr) {
            on_detached(err, errstr);
        })) {
        return fail("cannot register the socket");
    }
    ac->data = this;
    ac_ = ac;
    ++generation_;
    redisAsyncSetConnectCallback(ac, &connection::on_connect);  // waits for writable

    connect_timer_.expires_after(lim_.connect_timeout);
    connect_timer_.async_wait(
        [self = shared_from_this(), gen = generation_](const boost::system::error_code& ec) {
            if (ec || gen != self->generation_) return;
            if (self->state_ == state::connecting || self->state_ == state::handshake) {
                self->drop("connect timed out");
            }
        });
}

// hiredis 0.14 calls this outside its callback guard: freeing the context here would free it
// under hiredis's feet, so nothing here frees (drop() posts).
void connection::on_connect(const redisAsyncContext* ac, int status) {
    auto* self = static_cast<connection*>(ac->data);
    if (!self || self->state_ != state::connecting) return;
    // On failure hiredis frees the context right after this returns: cleanup -> on_detached.
    if (status != REDIS_OK) return;
    self->connected();
}

void connection::connected() {
    state_ = state::handshake;
    handshake_failed_ = false;
    redisEnableKeepAlive(&ac_->c);  // a dead peer is noticed without any traffic

    std::vector<std::vector<std::string_view>> steps;
    if (!ep_.password.empty()) {
        if (ep_.username.empty()) {
            steps.push_back({"AUTH", ep_.password});
        } else {
            steps.push_back({"AUTH", ep_.username, ep_.password});
        }
    }
    const std::string db = std::to_string(ep_.database);
    if (ep_.database != 0) steps.push_back({"SELECT", db});
    // Up means Redis answered, not just that the kernel accepted: a hung server (its listen
    // backlog still accepting) must not count as connected.
    steps.push_back({"PING"});

    auto remaining = std::make_shared<std::size_t>(steps.size());
    for (const auto& argv : steps) {
        std::vector<const char*> args;
        std::vector<std::size_t> lens;
        for (auto a : argv) {
            args.push_back(a.data());
            lens.push_back(a.size());
        }
        const std::string step(argv.front());
        auto* p =
            new pending{this, [this, remaining, step](const redisReply* r) {
                            if (!r || handshake_failed_) return;  // lost, or refused
                            if (r->type == REDIS_REPLY_ERROR) {
                                handshake_failed_ = true;
                                // Once per outage: a wrong password is retried forever.
                                const std::string text(r->str, r->len);
                                if (!outage_logged_) {
                                    spdlog::error("redis {}: {} refused: {}", name_, step, text);
                                    outage_logged_ = true;
                                } else {
                                    spdlog::debug("redis {}: {} refused: {}", name_, step, text);
                                }
                                return drop("handshake refused");
                            }
                            if (--*remaining == 0) handshake_done();
                        }};
        if (redisAsyncCommandArgv(ac_, &connection::on_reply, p, static_cast<int>(args.size()),
                                  args.data(), lens.data()) != REDIS_OK) {
            delete p;
            return drop("handshake not sent");
        }
        ++outstanding_;
    }
    last_progress_ = std::chrono::steady_clock::now();
}

void connection::handshake_done() {
    if (state_ != state::handshake) return;
    state_ = state::up;
    attempt_ = 0;
    connect_timer_.cancel();
    if (outage_logged_) {
        spdlog::info("redis {}: connected again to {}", name_, ep_.redacted());
        outage_logged_ = false;
    } else {
        spdlog::info("redis {}: connected to {}", name_, ep_.redacted());
    }
    last_progress_ = std::chrono::steady_clock::now();
    watch();
    // Told from the strand, not from inside hiredis, so the owner may send commands freely.
    boost::asio::post(strand_, [self = shared_from_this(), gen = generation_] {
        if (gen == self->generation_ && self->state_ == state::up && self->cb_.up) {
            self->cb_.up();
        }
    });
}

// The cleanup hook, inside hiredis: bookkeeping only, the owner hears from the strand.
void connection::on_detached(int err, const std::string& errstr) {
    const bool was_up = state_ == state::up;
    ac_ = nullptr;
    ++generation_;
    outstanding_ = 0;
    connect_timer_.cancel();
    watchdog_.cancel();
    if (state_ == state::stopped) return;
    state_ = state::waiting;
    const std::string why = err ? errstr : drop_reason_ ? drop_reason_ : "closed";
    drop_reason_ = nullptr;
    if (!outage_logged_) {
        if (was_up) {
            spdlog::warn("redis {}: connection lost ({}); reconnecting", name_, why);
        } else {
            spdlog::warn("redis {}: cannot connect to {} ({}); retrying", name_, ep_.redacted(),
                         why);
        }
        outage_logged_ = true;
    } else {
        spdlog::debug("redis {}: attempt failed ({})", name_, why);
    }
    boost::asio::post(strand_, [self = shared_from_this(), was_up] {
        if (self->state_ != state::waiting) return;
        if (was_up && self->cb_.down) self->cb_.down();
        self->schedule_retry();
    });
}

std::chrono::milliseconds connection::next_delay() {
    const unsigned n = std::min(attempt_, max_backoff_doublings);
    const std::chrono::milliseconds uncapped = lim_.backoff.initial * (1LL << n);
    return jittered(std::min(uncapped, lim_.backoff.max));
}

void connection::schedule_retry() {
    const auto delay = next_delay();
    ++attempt_;
    retry_timer_.expires_after(delay);
    retry_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec || self->state_ != state::waiting) return;
        self->resolve();
    });
}

// Posted, so it never frees the context from inside a hiredis call. on_detached logs why.
void connection::drop(const char* why) {
    boost::asio::post(strand_, [self = shared_from_this(), gen = generation_, why] {
        if (gen != self->generation_ || !self->ac_ || self->state_ == state::stopped) return;
        self->drop_reason_ = why;
        redisAsyncFree(self->ac_);  // cleanup -> on_detached -> retry
    });
}

void connection::watch() {
    const auto interval = std::max(min_watch_interval, lim_.command_timeout / 2);
    watchdog_.expires_after(interval);
    watchdog_.async_wait(
        [self = shared_from_this(), gen = generation_](const boost::system::error_code& ec) {
            if (ec || gen != self->generation_ || self->state_ != state::up) return;
            const auto idle = std::chrono::steady_clock::now() - self->last_progress_;
            if (self->outstanding_ > 0 && idle > self->lim_.command_timeout) {
                return self->drop("no reply within the command timeout");
            }
            self->watch();
        });
}

bool connection::command(const std::vector<std::string_view>& argv, reply_fn h) {
    if (state_ != state::up || !ac_) return false;
    std::vector<const char*> args;
    std::vector<std::size_t> lens;
    args.reserve(argv.size());
    lens.reserve(argv.size());
    for (auto a : argv) {
        args.push_back(a.data());
        lens.push_back(a.size());
    }
    auto* p = new pending{this, std::move(h)};
    if (redisAsyncCommandArgv(ac_, &connection::on_reply, p, static_cast<int>(args.size()),
                              args.data(), lens.data()) != REDIS_OK) {
        delete p;
        return false;
    }
    if (outstanding_++ == 0) last_progress_ = std::chrono::steady_clock::now();
    return true;
}

bool connection::subscribe(std::string_view channel) {
    if (state_ != state::up || !ac_) return false;
    const char* args[] = {"SUBSCRIBE", channel.data()};
    const std::size_t lens[] = {9, channel.size()};
    return redisAsyncCommandArgv(ac_, &connection::on_pubsub, this, 2, args, lens) == REDIS_OK;
}

bool connection::unsubscribe(std::string_view channel) {
    if (state_ != state::up || !ac_) return false;
    const char* args[] = {"UNSUBSCRIBE", channel.data()};
    const std::size_t lens[] = {11, channel.size()};
    return redisAsyncCommandArgv(ac_, &connection::on_pubsub, this, 2, args, lens) == REDIS_OK;
}

void connection::on_reply(redisAsyncContext*, void* reply, void* privdata) {
    std::unique_ptr<pending> p(static_cast<pending*>(privdata));
    connection* self = p->conn;
    if (self->state_ == state::stopped) return;
    if (self->outstanding_ > 0) --self->outstanding_;
    self->last_progress_ = std::chrono::steady_clock::now();
    if (p->fn) p->fn(static_cast<const redisReply*>(reply));
}

void connection::on_pubsub(redisAsyncContext*, void* reply, void* privdata) {
    auto* self = static_cast<connection*>(privdata);
    if (!reply || self->state_ == state::stopped || !self->cb_.message) return;
    self->cb_.message(*static_cast<const redisReply*>(reply));
}

}  // namespace circles::cluster::detail
