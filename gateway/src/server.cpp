#include "circles/gateway/server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <thread>
#include <vector>

#include "beast.hpp"
#include "circles/cluster/redis_bus.hpp"
#include "circles/cluster/redis_presence.hpp"
#include "circles/moderation/pager.hpp"
#include "circles/rooms/bus.hpp"
#include "circles/rooms/presence.hpp"
#include "circles/rooms/service.hpp"
#include "circles/storage/store.hpp"
#include "escalation_notifier.hpp"
#include "listener.hpp"
#include "shared_state.hpp"

namespace circles::gateway {

namespace {

// Runs `tick` every `interval` on the io_context until shutdown begins or cancel().
class periodic {
  public:
    periodic(net::io_context& ioc, std::chrono::steady_clock::duration interval,
             const shared_state& state, std::function<void()> tick)
        : timer_(ioc), interval_(interval), state_(state), tick_(std::move(tick)) {
        wait();
    }
    periodic(const periodic&) = delete;
    periodic& operator=(const periodic&) = delete;
    void cancel() { timer_.cancel(); }

  private:
    void wait() {
        timer_.expires_after(interval_);
        timer_.async_wait([this](beast::error_code e) {
            if (e || state_.shutting_down()) return;
            tick_();
            wait();
        });
    }

    net::steady_timer timer_;
    const std::chrono::steady_clock::duration interval_;
    const shared_state& state_;
    const std::function<void()> tick_;
};
// After the last connection closed on shutdown: how long Redis writes may still go out.
constexpr std::chrono::milliseconds redis_flush_allowance{250};
}  // namespace

int serve(const config& cfg, const std::function<void(std::uint16_t)>& on_listening) {
    const unsigned threads =
        cfg.threads ? cfg.threads : std::max(1u, std::thread::hardware_concurrency());
    // Declared first, destroyed last: the Redis clients run on it.
    net::io_context ioc(static_cast<int>(threads));
    // Catch-up reads the store: never on an I/O thread or the Redis strand.
    net::thread_pool catch_up_pool(1);

    storage::store_options so;
    so.data_dir = cfg.data_dir;
    auto store = storage::open_store(cfg.store, so);

    std::unique_ptr<rooms::bus> bus;
    std::unique_ptr<rooms::presence> presence;
    cluster::redis_bus* redis_bus = nullptr;
    cluster::redis_presence* redis_presence = nullptr;
    if (cfg.bus == "local") {
        bus = rooms::make_local_bus();
        presence = rooms::make_local_presence();
    } else {
        cluster::redis_options ro;
        ro.url = cfg.bus;
        ro.node_id = cfg.node_id;
        ro.presence_ttl = cfg.presence_ttl;
        try {
            auto b = cluster::make_redis_bus(ioc, ro);
            redis_bus = b.get();
            bus = std::move(b);
            ro.url = cfg.presence;
            auto p = cluster::make_redis_presence(ioc, ro);
            redis_presence = p.get();
            presence = std::move(p);
        } catch (const boost::system::system_error& e) {
            throw std::runtime_error("bus/presence: " + e.code().message());
        }
    }
    rooms::limits room_limits;
    room_limits.max_replay = cfg.lim.replay_limit_messages;
    room_limits.sessions_required = cfg.facilitated_sessions;
    rooms::service rooms(*store, *bus, *presence, room_limits);
    if (redis_bus) {
        redis_bus->on_subscribed([&rooms, &catch_up_pool](storage::room_id room) {
            // On the bus's strand, before any message of the room is handed on: a student
            // removed while this node was not subscribed leaves before the room reaches them.
            rooms.check_readers(room);
            net::post(catch_up_pool, [&rooms, room] { rooms.catch_up(room); });
        });
        redis_bus->on_reconnected([&rooms, &catch_up_pool] {
            net::post(catch_up_pool, [&rooms] { rooms.catch_up_all(); });
        });
    }
    auto state = std::make_shared<shared_state>(cfg, *store, rooms);
    // A logout on any node closes this node's sockets of that login (the sessions channel).
    auto sessions = std::make_shared<session_watcher>(*state);
    rooms.watch_sessions(sessions);
    state->set_readiness([redis_bus, redis_presence] {
        return (!redis_bus || redis_bus->connected()) &&
               (!redis_presence || redis_presence->connected());
    });

    // Escalation paging: level 0 when a send commits an escalation (shared_state), and a
    // periodic check that re-pages what is overdue, on the escalation pool. The first check
    // runs at once: it catches up on deadlines that passed while the server was down.
    auto webhooks = std::make_shared<webhook_client>(ioc, cfg.lim.webhook_timeout);
    escalation_notifier notifier(*store, rooms, webhooks);
    moderation::pager pager(*store, notifier);
    state->set_escalations(&pager, &notifier);
    std::atomic<bool> checking{false};
    auto check_escalations = [&] {
        if (checking.exchange(true)) return;  // the last check is still running
        net::post(state->escalation_pool(), [&] {
            pager.check();
            checking = false;
        });
    };
    check_escalations();
    periodic page_timer(ioc, cfg.lim.escalation_check_interval, *state, check_escalations);

    // Sockets whose login has expired are closed at most this long after it.
    constexpr auto session_expiry_check = std::chrono::seconds(1);
    periodic expiry_timer(ioc, session_expiry_check, *state,
                          [&] { state->close_expired(std::chrono::system_clock::now()); });

    // Ended sessions are deleted from the store now and then (off the I/O threads): they are
    // refused anyway, and the table of every login ever would grow without end.
    constexpr auto session_purge_interval = std::chrono::hours(1);
    const auto purge_sessions = [&] {
        net::post(state->escalation_pool(), [&store] {
            const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
            if (auto n = store->purge_expired_sessions(now); !n) {
                spdlog::warn("session purge failed: {}", n.error().message());
            } else if (*n > 0) {
                spdlog::info("session purge: {} ended sessions deleted", *n);
            }
        });
    };
    purge_sessions();
    periodic purge_timer(ioc, session_purge_interval, *state, purge_sessions);

    boost::system::error_code ec;
    const auto address = net::ip::make_address(cfg.listen_host, ec);
    if (ec) throw std::runtime_error("listen host must be an IP address: " + cfg.listen_host);
    std::shared_ptr<listener> lst;
    try {
        lst = std::make_shared<listener>(ioc, tcp::endpoint{address, cfg.listen_port}, state);
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("cannot listen on " + cfg.listen_host + ":" +
                                 std::to_string(cfg.listen_port) + ": " + e.code().message());
    }
    lst->run();
    const auto port = lst->local_endpoint().port();
    spdlog::info("node {} listening on http://{}:{} (web root {})", cfg.node_id, cfg.listen_host,
                 port, cfg.web_root.string());
    if (on_listening) on_listening(port);

    // Shutdown: stop accepting, close every connection (1001), and give them a grace period
    // to finish; past it the I/O threads stop regardless.
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    net::steady_timer grace(ioc);
    signals.async_wait([&](beast::error_code e, int sig) {
        if (e) return;
        spdlog::info("signal {}: shutting down", sig);
        lst->stop();
        state->close_all();
        grace.expires_after(cfg.lim.shutdown_grace);
        grace.async_wait([&](beast::error_code te) {
            if (te) return;
            if (state->connection_count() > 0) {
                spdlog::warn("{} connections still open after the grace period",
                             state->connection_count());
            }
            ioc.stop();
        });
    });
    // SIGHUP reloads the moderation policy; an invalid one is refused and the old one stays.
    // Compiling a large policy takes seconds, so it runs on its own thread while the I/O
    // threads keep serving with the policy in force.
    net::thread_pool reloader(1);
    net::signal_set hangup(ioc, SIGHUP);
    std::function<void()> wait_hangup = [&] {
        hangup.async_wait([&](beast::error_code e, int) {
            if (e) return;
            net::post(reloader, [state] { state->reload_policy(); });
            wait_hangup();
        });
    };
    wait_hangup();
    // While connections remain, poll; when the last one is gone, stop early.
    net::steady_timer drain(ioc);
    std::function<void()> wait_drained = [&] {
        drain.expires_after(std::chrono::milliseconds(50));
        drain.async_wait([&](beast::error_code e) {
            if (e) return;
            if (state->shutting_down() && state->connection_count() == 0) {
                grace.cancel();
                signals.cancel();
                page_timer.cancel();
                expiry_timer.cancel();
                purge_timer.cancel();
                hangup.cancel();
                // The Redis clients keep the io_context busy for good (heartbeats,
                // reconnects): give the presence exits of the closed connections a moment
                // to reach Redis, then stop. What does not make it expires within one TTL.
                // (Without Redis there is nothing to wait for.)
                drain.expires_after(redis_presence ? redis_flush_allowance
                                                   : std::chrono::milliseconds(0));
                drain.async_wait([&](beast::error_code fe) {
                    if (!fe) ioc.stop();
                });
                return;
            }
            wait_drained();
        });
    };
    wait_drained();

    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();

    reloader.join();
    catch_up_pool.join();
    state->auth_pool().join();
    state->escalation_pool().join();
    state->set_escalations(nullptr, nullptr);
    store->flush();
    spdlog::info("store flushed; bye");
    return 0;
}

}  // namespace circles::gateway
