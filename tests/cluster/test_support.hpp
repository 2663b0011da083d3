#pragma once
// What the Redis tests share: a "node" (its own io_context on its own thread), options with
// short limits, an event recorder, and waiting for a condition with a deadline.
#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "circles/cluster/redis_bus.hpp"
#include "circles/cluster/redis_options.hpp"
#include "circles/cluster/redis_presence.hpp"

namespace circles::cluster::testing {

using namespace std::chrono_literals;

inline constexpr auto test_ttl = 1000ms;

inline redis_options options_for(const std::string& url, const std::string& node) {
    redis_options o;
    o.url = url;
    o.node_id = node;
    o.prefix = "test";
    o.presence_ttl = test_ttl;
    o.backoff = {20ms, 200ms};
    o.connect_timeout = 500ms;
    o.command_timeout = 1000ms;
    return o;
}

// An io_context run by one thread, as a gateway node runs its own.
struct io_thread {
    boost::asio::io_context ioc;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard =
        boost::asio::make_work_guard(ioc);
    std::thread thread{[this] { ioc.run(); }};

    ~io_thread() {
        guard.reset();
        ioc.stop();
        thread.join();
    }
};

// Polls `pred` until it holds or `limit` passes.
inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(5ms);
    }
    return pred();
}

inline rooms::room_event event_of(
    storage::room_id room, storage::seq_t seq, std::string frame, storage::user_id sender = 7,
    storage::message_status status = storage::message_status::visible) {
    return rooms::room_event{room, seq, std::make_shared<const std::string>(std::move(frame)),
                             status, sender};
}

// Every event a bus handler was given, from any thread.
class recorder {
  public:
    rooms::bus::handler handler() {
        return [this](const rooms::room_event& ev) {
            std::lock_guard lock(mutex_);
            events_.push_back(ev);
        };
    }
    std::vector<rooms::room_event> events() const {
        std::lock_guard lock(mutex_);
        return events_;
    }
    // Events whose frame is not a probe.
    std::vector<rooms::room_event> messages() const {
        std::vector<rooms::room_event> out;
        for (auto& ev : events()) {
            if (!ev.frame || !ev.frame->starts_with("probe")) out.push_back(ev);
        }
        return out;
    }
    bool saw_frame(const std::string& frame) const {
        std::lock_guard lock(mutex_);
        for (const auto& ev : events_) {
            if (ev.frame && *ev.frame == frame) return true;
        }
        return false;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<rooms::room_event> events_;
};

// What a presence told its listener, from any thread.
class presence_log {
  public:
    rooms::presence::change_listener listener() {
        return [this](storage::room_id room, const rooms::member& m, bool present) {
            std::lock_guard lock(mutex_);
            changes_.push_back({room, m, present});
        };
    }
    // One user's changes in one room, in order: "+" came, "-" left. "+-" is a visit.
    std::string of(storage::room_id room, storage::user_id user) const {
        std::lock_guard lock(mutex_);
        std::string out;
        for (const auto& c : changes_) {
            if (c.room == room && c.who.id == user) out += c.present ? '+' : '-';
        }
        return out;
    }
    // The member as the last change about them named them.
    std::optional<rooms::member> last(storage::room_id room, storage::user_id user) const {
        std::lock_guard lock(mutex_);
        for (auto c = changes_.rbegin(); c != changes_.rend(); ++c) {
            if (c->room == room && c->who.id == user) return c->who;
        }
        return std::nullopt;
    }

  private:
    struct change {
        storage::room_id room;
        rooms::member who;
        bool present;
    };
    mutable std::mutex mutex_;
    std::vector<change> changes_;
};

// A gateway node's Redis side: declared after its io_thread, so the bus and presence are
// destroyed while their io_context still runs.
struct node {
    explicit node(const std::string& url, const std::string& id, bool with_presence = false)
        : bus(make_redis_bus(io.ioc, options_for(url, id))) {
        bus->set_handler(seen.handler());
        bus->on_reconnected([this] { ++bus_reconnects; });
        bus->on_subscribed([this](storage::room_id room) {
            std::lock_guard lock(mutex);
            subscribed.push_back(room);
        });
        if (with_presence) {
            presence = make_redis_presence(io.ioc, options_for(url, id));
            presence->on_reconnected([this] { ++presence_reconnects; });
            presence->on_change(heard.listener());
        }
    }

    io_thread io;
    recorder seen;
    presence_log heard;  // what the presence told its listener
    std::atomic<int> bus_reconnects{0};
    std::atomic<int> presence_reconnects{0};
    std::mutex mutex;
    std::vector<storage::room_id> subscribed;  // on_subscribed, in order

    std::size_t times_subscribed(storage::room_id room) {
        std::lock_guard lock(mutex);
        return static_cast<std::size_t>(std::count(subscribed.begin(), subscribed.end(), room));
    }
    std::unique_ptr<redis_bus> bus;
    std::unique_ptr<redis_presence> presence;
};

// Publishes probes from `from` until `to` has seen one: the subscription of `to` to `room` is
// live on the server. Probes carry seq 0 and a frame starting with "probe".
inline bool wait_live(node& from, node& to, storage::room_id room,
                      std::chrono::milliseconds limit = 5s) {
    static std::atomic<int> counter{0};
    const std::string probe = "probe " + std::to_string(++counter);
    return eventually(
        [&] {
            from.bus->publish(event_of(room, 0, probe));
            return to.seen.saw_frame(probe);
        },
        limit);
}

}  // namespace circles::cluster::testing
