#include "circles/cluster/redis_bus.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/system/system_error.hpp>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "circles/cluster/bus_envelope.hpp"
#include "connection.hpp"
#include "presence_codec.hpp"
#include "strand_close.hpp"

namespace circles::cluster {

namespace {

using detail::connection;
using detail::text_of;

// The latest sequenced event per room that did not reach Redis is kept and published again
// when the publish connection is back, so receivers see the room's newest seq and fill what
// they missed from the store. At most this many rooms are remembered.
constexpr std::size_t max_unsent_rooms = 10000;

class bus_impl final : public std::enable_shared_from_this<bus_impl> {
  public:
    bus_impl(boost::asio::io_context& ioc, const redis_options& o, redis_endpoint ep)
        : ioc_(ioc),
          strand_(boost::asio::make_strand(ioc)),
          node_id_(o.node_id),
          room_prefix_(o.prefix + ":room:"),
          control_channel_(o.prefix + ":node:" + o.node_id),
          max_pending_(o.max_pending_publishes),
          ep_(std::move(ep)),
          lim_{o.backoff, o.connect_timeout, o.command_timeout} {}

    void start() {
        // The callbacks hold weak references: a connection never keeps the bus alive.
        std::weak_ptr<bus_impl> weak = weak_from_this();
        const auto call = [weak](void (bus_impl::*fn)()) {
            return [weak, fn] {
                if (auto self = weak.lock()) (self.get()->*fn)();
            };
        };
        const auto on_message = [weak](const redisReply& r) {
            if (auto self = weak.lock()) self->on_pubsub(r);
        };
        pub_ = std::make_shared<connection>(
            strand_, ep_, lim_, "bus publish",
            connection::callbacks{call(&bus_impl::on_pub_up), call(&bus_impl::update_ready), {}});
        sub_ = std::make_shared<connection>(
            strand_, ep_, lim_, "bus subscribe",
            connection::callbacks{call(&bus_impl::on_sub_up), call(&bus_impl::on_sub_down),
                                  on_message});
        boost::asio::post(strand_, [self = shared_from_this()] {
            self->pub_->start();
            self->sub_->start();
        });
    }

    ~bus_impl() { close(); }

    // On the strand.
    void close() {
        if (closed_) return;
        closed_ = true;
        if (pub_) pub_->stop();
        if (sub_) sub_->stop();
        connected_ = false;
    }

    boost::asio::io_context& ioc() { return ioc_; }
    const detail::strand& strand() const { return strand_; }

    void set_handler(rooms::bus::handler h) {
        std::lock_guard lock(mutex_);
        handler_ = std::move(h);
    }

    void on_reconnected(std::function<void()> f) {
        std::lock_guard lock(mutex_);
        reconnected_ = std::move(f);
    }

    void on_subscribed(std::function<void(storage::room_id)> f) {
        std::lock_guard lock(mutex_);
        subscribed_ = std::move(f);
    }

    bool connected() const noexcept { return connected_; }

    bus_stats stats() const noexcept {
        bus_stats s;
        s.published = published_;
        s.publish_dropped = dropped_;
        s.received = received_;
        s.echoes_ignored = echoes_;
        s.malformed = malformed_;
        s.reconnects = reconnects_;
        return s;
    }

    // Any thread. Local members hear it at once, on this thread, as with the local bus;
    // other nodes through Redis.
    void publish(rooms::room_event ev) {
        rooms::bus::handler h;
        {
            std::lock_guard lock(mutex_);
            if (desired_.contains(ev.room)) h = handler_;
        }
        if (h) h(ev);

        auto payload = std::make_shared<const std::string>(encode_envelope(node_id_, ev));
        if (in_flight_.fetch_add(1) >= max_pending_) {
            in_flight_.fetch_sub(1);
            remember_unsent(ev.room, ev.seq, std::move(payload));
            ++dropped_;
            if (!queue_full_logged_.exchange(true)) {
                spdlog::warn("redis bus: {} publishes pending; publishing locally only",
                             max_pending_);
            }
            return;
        }
        boost::asio::post(strand_, [self = shared_from_this(), room = ev.room, seq = ev.seq,
                                    payload = std::move(payload)]() mutable {
            self->send(room, seq, std::move(payload));
        });
    }

    void subscribe(storage::room_id room) {
        {
            std::lock_guard lock(mutex_);
            desired_.insert(room);
        }
        boost::asio::post(strand_, [self = shared_from_this(), room] { self->reconcile(room); });
    }

    void unsubscribe(storage::room_id room) {
        {
            std::lock_guard lock(mutex_);
            desired_.erase(room);
        }
        boost::asio::post(strand_, [self = shared_from_this(), room] { self->reconcile(room); });
    }

  private:
    // What the subscribe connection has asked of Redis for one room. One SUBSCRIBE or
    // UNSUBSCRIBE is in flight per room at a time: hiredis 0.14 keys its pub/sub callbacks by
    // channel, and an UNSUBSCRIBE reply crossing a newer SUBSCRIBE would remove the newer
    // callback. The control channel is never unsubscribed, so the connection never drops
    // out of subscribe mode under a pipelined SUBSCRIBE (another hiredis 0.14 trap).
    struct channel_state {
        bool on_server = false;
        bool pending = false;
    };

    std::string channel_of(storage::room_id room) const {
        return room_prefix_ + std::to_string(room);
    }

    std::optional<storage::room_id> room_of(std::string_view channel) const {
        if (!channel.starts_with(room_prefix_)) return std::nullopt;
        channel.remove_prefix(room_prefix_.size());
        return detail::parse_number<storage::room_id>(channel);
    }

    // On the strand.
    void send(storage::room_id room, storage::seq_t seq, std::shared_ptr<const std::string> p) {
        const auto channel = channel_of(room);
        const bool sent =
            !closed_ && pub_->command({"PUBLISH", channel, *p}, [self = shared_from_this(), room,
                                                                 seq, p](const redisReply* r) {
                self->in_flight_.fetch_sub(1);
                if (r && r->type != REDIS_REPLY_ERROR) {
                    ++self->published_;
                    return;
                }
                ++self->dropped_;
                self->remember_unsent(room, seq, p);
            });
        if (!sent) {
            in_flight_.fetch_sub(1);
            ++dropped_;
            remember_unsent(room, seq, std::move(p));
        }
    }

    // Any thread. Presence frames (seq 0) are not kept: the store cannot replay them, and a
    // joiner gets the present list anyway.
    void remember_unsent(storage::room_id room, storage::seq_t seq,
                         std::shared_ptr<const std::string> p) {
        if (seq == 0) return;
        std::lock_guard lock(unsent_mutex_);
        auto it = unsent_.find(room);
        if (it == unsent_.end()) {
            if (unsent_.size() >= max_unsent_rooms) return;
            unsent_.emplace(room, unsent{seq, std::move(p)});
        } else if (seq > it->second.seq) {
            it->second = unsent{seq, std::move(p)};
        }
    }

    void on_pub_up() {
        queue_full_logged_ = false;
        std::unordered_map<storage::room_id, unsent> again;
        {
            std::lock_guard lock(unsent_mutex_);
            again.swap(unsent_);
        }
        if (!again.empty()) {
            spdlog::info("redis bus: publishing the newest event of {} rooms again", again.size());
        }
        for (auto& [room, u] : again) {
            in_flight_.fetch_add(1);
            send(room, u.seq, std::move(u.payload));
        }
        update_ready();
    }

    void on_sub_up() {
        sub_->subscribe(control_channel_);
        std::vector<storage::room_id> rooms;
        {
            std::lock_guard lock(mutex_);
            rooms.assign(desired_.begin(), desired_.end());
        }
        for (auto room : rooms) reconcile(room);
        update_ready();
    }

    void on_sub_down() {
        channels_.clear();
        pending_ = 0;
        control_confirmed_ = false;
        catch_up_due_ = true;
        update_ready();
    }

    void reconcile(storage::room_id room) {
        if (closed_) return;
        auto& st = channels_[room];
        if (st.pending || !sub_->up()) return;
        bool want = false;
        {
            std::lock_guard lock(mutex_);
            want = desired_.contains(room);
        }
        if (want == st.on_server) {
            if (!want) channels_.erase(room);
            return;
        }
        const auto channel = channel_of(room);
        if (want ? sub_->subscribe(channel) : sub_->unsubscribe(channel)) {
            st.pending = true;
            ++pending_;
        }
    }

    void on_pubsub(const redisReply& r) {
        if (r.type != REDIS_REPLY_ARRAY || r.elements < 3) return;
        const auto kind = text_of(*r.element[0]);
        const auto channel = text_of(*r.element[1]);
        if (kind == "message") return on_message(channel, text_of(*r.element[2]));
        if (kind != "subscribe" && kind != "unsubscribe") return;
        if (channel == control_channel_) {
            control_confirmed_ = kind == "subscribe";
            return update_ready();
        }
        const auto room = room_of(channel);
        if (!room) return;
        auto& st = channels_[*room];
        if (st.pending) --pending_;
        st.pending = false;
        const bool on = kind == "subscribe";
        st.on_server = on;
        reconcile(*room);  // may erase st
        update_ready();
        if (!on) return;
        std::function<void(storage::room_id)> f;
        {
            std::lock_guard lock(mutex_);
            if (desired_.contains(*room)) f = subscribed_;
        }
        if (f) f(*room);
    }

    void on_message(std::string_view channel, std::string_view payload) {
        const auto room = room_of(channel);
        if (!room) return;  // the control channel carries nothing
        auto env = decode_envelope(payload);
        if (!env || env->event.room != *room) {
            ++malformed_;
            return;
        }
        if (env->origin == node_id_) {
            ++echoes_;  // delivered locally when it was published
            return;
        }
        rooms::bus::handler h;
        {
            std::lock_guard lock(mutex_);
            // Not after unsubscribe: a message already on the wire when the last member left
            // is dropped here.
            if (!desired_.contains(env->event.room)) return;
            h = handler_;
        }
        if (!h) return;
        ++received_;
        h(env->event);
    }

    void update_ready() {
        const bool up = !closed_ && pub_->up() && sub_->up() && control_confirmed_;
        connected_ = up;
        if (!catch_up_due_ || closed_ || !sub_->up() || !control_confirmed_) return;
        if (pending_ > 0) return;  // not every room is listening yet
        catch_up_due_ = false;
        const bool first = !ever_ready_;
        ever_ready_ = true;
        std::function<void()> f;
        {
            std::lock_guard lock(mutex_);
            // The first connect of a node with no rooms yet has nothing to catch up.
            if (first && desired_.empty()) return;
            f = reconnected_;
        }
        ++reconnects_;
        spdlog::info("redis bus: subscriptions restored; catching up from the store");
        if (f) f();
    }

    struct unsent {
        storage::seq_t seq = 0;
        std::shared_ptr<const std::string> payload;
    };

    boost::asio::io_context& ioc_;
    detail::strand strand_;
    const std::string node_id_;
    const std::string room_prefix_;
    const std::string control_channel_;
    const std::size_t max_pending_;
    const redis_endpoint ep_;
    const detail::connection_limits lim_;
    std::shared_ptr<connection> pub_;
    std::shared_ptr<connection> sub_;

    // Any thread.
    std::mutex mutex_;
    rooms::bus::handler handler_;
    std::unordered_set<storage::room_id> desired_;  // rooms with local members
    std::function<void()> reconnected_;
    std::function<void(storage::room_id)> subscribed_;
    std::mutex unsent_mutex_;
    std::unordered_map<storage::room_id, unsent> unsent_;
    std::atomic<bool> connected_{false};
    std::atomic<std::size_t> in_flight_{0};
    std::atomic<bool> queue_full_logged_{false};
    std::atomic<std::uint64_t> published_{0}, dropped_{0}, received_{0}, echoes_{0}, malformed_{0},
        reconnects_{0};

    // The strand only.
    std::unordered_map<storage::room_id, channel_state> channels_;
    std::size_t pending_ = 0;  // rooms with a SUBSCRIBE or UNSUBSCRIBE in flight
    bool control_confirmed_ = false;
    bool catch_up_due_ = true;  // the first connect counts when rooms were already joined
    bool ever_ready_ = false;
    bool closed_ = false;
};

class redis_bus_handle final : public redis_bus {
  public:
    explicit redis_bus_handle(std::shared_ptr<bus_impl> impl) : impl_(std::move(impl)) {}
    ~redis_bus_handle() override {
        detail::close_on_strand(
            impl_->ioc(), impl_->strand(), [impl = impl_] { impl->close(); }, "redis bus");
    }

    void set_handler(handler h) override { impl_->set_handler(std::move(h)); }
    void publish(rooms::room_event ev) override { impl_->publish(std::move(ev)); }
    void subscribe(storage::room_id room) override { impl_->subscribe(room); }
    void unsubscribe(storage::room_id room) override { impl_->unsubscribe(room); }
    bool connected() const noexcept override { return impl_->connected(); }
    void on_reconnected(std::function<void()> f) override { impl_->on_reconnected(std::move(f)); }
    void on_subscribed(std::function<void(storage::room_id)> f) override {
        impl_->on_subscribed(std::move(f));
    }
    bus_stats stats() const noexcept override { return impl_->stats(); }

  private:
    std::shared_ptr<bus_impl> impl_;
};

}  // namespace

std::unique_ptr<redis_bus> make_redis_bus(boost::asio::io_context& ioc, const redis_options& o) {
    auto ep = validate(o);
    if (!ep) throw boost::system::system_error(ep.error(), "redis bus options");
    auto impl = std::make_shared<bus_impl>(ioc, o, std::move(*ep));
    impl->start();
    return std::make_unique<redis_bus_handle>(std::move(impl));
}

}  // namespace circles::cluster
