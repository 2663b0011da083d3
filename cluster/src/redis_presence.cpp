#include "circles/cluster/redis_presence.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>

#include "connection.hpp"
#include "presence_codec.hpp"
#include "presence_scripts.hpp"
#include "strand_close.hpp"

namespace circles::cluster {

namespace {

using detail::text_of;

using detail::connection;
using detail::member_value;
using detail::parse_member;

// A heartbeat refreshes at most this many entries per script call (a long script blocks
// Redis), and removes at most this many expired entries per sweep.
constexpr std::size_t heartbeat_batch = 200;
constexpr std::size_t max_sweep = 1000;
// The whole cache is reloaded from Redis every this many heartbeats (and after every
// reconnect): pub/sub may have lost a change.
constexpr unsigned resync_every = 10;
// Keys outlive the last refresh by this many TTLs, then Redis drops them.
constexpr int keep_ttls = 4;

class presence_impl final : public std::enable_shared_from_this<presence_impl> {
  public:
    presence_impl(boost::asio::io_context& ioc, const redis_options& o, redis_endpoint ep)
        : ioc_(ioc),
          strand_(boost::asio::make_strand(ioc)),
          node_id_(o.node_id),
          channel_(o.prefix + ":presence"),
          expiry_key_(o.prefix + ":presence:expiry"),
          room_key_prefix_(o.prefix + ":presence:room:"),
          interval_(o.presence_ttl / 3),
          // Refreshed every TTL/3 and valid for 2/3 TTL: one late refresh is tolerated, and
          // a sweep (every TTL/3 on every node) removes a dead node's entries within one TTL
          // of its last refresh.
          lifetime_ms_(std::to_string((o.presence_ttl * 2 / 3).count())),
          keep_ms_(std::to_string((o.presence_ttl * keep_ttls).count())),
          ep_(std::move(ep)),
          lim_{o.backoff, o.connect_timeout, o.command_timeout},
          heartbeat_timer_(strand_) {}

    ~presence_impl() { close(); }

    void start() {
        // The callbacks hold weak references: a connection never keeps the presence alive.
        std::weak_ptr<presence_impl> weak = weak_from_this();
        const auto call = [weak](void (presence_impl::*fn)()) {
            return [weak, fn] {
                if (auto self = weak.lock()) (self.get()->*fn)();
            };
        };
        const auto on_message = [weak](const redisReply& r) {
            if (auto self = weak.lock()) self->on_pubsub(r);
        };
        cmd_ = std::make_shared<connection>(
            strand_, ep_, lim_, "presence",
            connection::callbacks{
                call(&presence_impl::on_cmd_up), call(&presence_impl::on_down), {}});
        sub_ = std::make_shared<connection>(
            strand_, ep_, lim_, "presence subscribe",
            connection::callbacks{call(&presence_impl::on_sub_up),
                                  call(&presence_impl::on_sub_down), on_message});
        boost::asio::post(strand_, [self = shared_from_this()] {
            self->cmd_->start();
            self->sub_->start();
            self->schedule_heartbeat();
        });
    }

    // On the strand. No exit is written: to the cluster this is a node that died, and its
    // entries expire (the gateway leaves every room before it shuts down).
    void close() {
        if (closed_) return;
        closed_ = true;
        heartbeat_timer_.cancel();
        if (cmd_) cmd_->stop();
        if (sub_) sub_->stop();
        connected_ = false;
    }

    boost::asio::io_context& ioc() { return ioc_; }
    const detail::strand& strand() const { return strand_; }
    bool connected() const noexcept { return connected_; }

    void on_reconnected(std::function<void()> f) {
        std::lock_guard lock(mutex_);
        reconnected_ = std::move(f);
    }
    void on_change(rooms::presence::change_listener f) { feed_.set(std::move(f)); }

    bool enter(storage::room_id room, const rooms::member& m) {
        bool first_here = false;
        bool first_anywhere = false;
        {
            std::lock_guard lock(mutex_);
            auto& e = local_[room][m.id];
            e.who = m;
            first_here = ++e.connections == 1;
            first_anywhere = first_here && !remote_has(room, m.id);
            if (first_anywhere) feed_.push(room, m, true);
            // Posted under the lock: this node's enters and exits of one user reach Redis in
            // the order they happened here (a tab closing as another opens).
            if (first_here) {
                boost::asio::post(
                    strand_, [self = shared_from_this(), room, m] { self->send_enter(room, m); });
            }
        }
        if (first_anywhere) feed_.deliver();
        return first_anywhere;
    }

    bool exit(storage::room_id room, storage::user_id user) {
        bool last_anywhere = false;
        {
            std::lock_guard lock(mutex_);
            auto r = local_.find(room);
            if (r == local_.end()) return false;
            auto u = r->second.find(user);
            if (u == r->second.end()) return false;
            if (--u->second.connections > 0) return false;
            // Another node may still have the user: this node's view keeps them until that
            // node's exit (or the sweep of its entry) arrives, and then tells its clients.
            last_anywhere = !remote_has(room, user);
            if (last_anywhere) feed_.push(room, std::move(u->second.who), false);
            r->second.erase(u);
            if (r->second.empty()) local_.erase(r);
            boost::asio::post(
                strand_, [self = shared_from_this(), room, user] { self->send_exit(room, user); });
        }
        if (last_anywhere) feed_.deliver();
        return last_anywhere;
    }

    // From memory, in user-id order (the same order on every node).
    std::vector<rooms::member> present(storage::room_id room) {
        std::map<storage::user_id, rooms::member> all;
        {
            std::lock_guard lock(mutex_);
            if (auto r = remote_.find(room); r != remote_.end()) {
                for (const auto& [id, e] : r->second) all.emplace(id, e.who);
            }
            // This node's own view of its members wins over what another node wrote.
            if (auto r = local_.find(room); r != local_.end()) {
                for (const auto& [id, e] : r->second) all.insert_or_assign(id, e.who);
            }
        }
        std::vector<rooms::member> out;
        out.reserve(all.size());
        for (auto& [id, m] : all) out.push_back(std::move(m));
        return out;
    }

  private:
    struct local_entry {
        rooms::member who;
        int connections = 0;
    };
    struct remote_entry {
        rooms::member who;
        std::set<std::string> nodes;  // other nodes where the user has a connection
    };
    using remote_map =
        std::unordered_map<storage::room_id, std::map<storage::user_id, remote_entry>>;

    // Under mutex_.
    bool remote_has(storage::room_id room, storage::user_id user) const {
        auto r = remote_.find(room);
        return r != remote_.end() && r->second.contains(user);
    }
    bool local_has(storage::room_id room, storage::user_id user) const {
        auto l = local_.find(room);
        return l != local_.end() && l->second.contains(user);
    }

    std::string room_key(storage::room_id room) const {
        return room_key_prefix_ + std::to_string(room);
    }
    std::string field_of(storage::user_id user) const {
        return node_id_ + "|" + std::to_string(user);
    }
    std::string id_of(storage::room_id room, storage::user_id user) const {
        return std::to_string(room) + "|" + field_of(user);
    }

    // --- writes (the strand) ---

    // A write that cannot go out now is not queued: the first heartbeat after the reconnect
    // writes every current entry again, and a missed exit expires.
    void send_enter(storage::room_id room, const rooms::member& m) {
        if (closed_ || !cmd_->up()) return;
        const auto id = id_of(room, m.id);
        const auto value = member_value(m);
        const auto event = "E|" + id + "|" + value;
        const auto key = room_key(room);
        cmd_->command({"EVAL", detail::scripts::enter, "2", expiry_key_, key, id, field_of(m.id),
                       value, lifetime_ms_, keep_ms_, channel_, event},
                      [](const redisReply* r) { log_script_error("enter", r); });
    }

    void send_exit(storage::room_id room, storage::user_id user) {
        if (closed_ || !cmd_->up()) return;
        const auto id = id_of(room, user);
        const auto event = "X|" + id;
        const auto key = room_key(room);
        cmd_->command({"EVAL", detail::scripts::exit, "2", expiry_key_, key, id, field_of(user),
                       channel_, event},
                      [](const redisReply* r) { log_script_error("exit", r); });
    }

    static void log_script_error(const char* what, const redisReply* r) {
        if (r && r->type == REDIS_REPLY_ERROR) {
            spdlog::error("redis presence: {} script failed: {}", what, text_of(*r));
        }
    }

    void schedule_heartbeat() {
        if (closed_) return;
        heartbeat_timer_.expires_after(interval_);
        heartbeat_timer_.async_wait(
            [self = shared_from_this()](const boost::system::error_code& ec) {
                if (ec || self->closed_) return;
                self->heartbeat();
                self->schedule_heartbeat();
            });
    }

    void heartbeat() {
        if (closed_ || !cmd_->up()) return;
        struct item {
            std::string room, user, value;
        };
        std::vector<item> items;
        {
            std::lock_guard lock(mutex_);
            for (const auto& [room, users] : local_) {
                for (const auto& [id, e] : users) {
                    items.push_back(
                        {std::to_string(room), std::to_string(id), member_value(e.who)});
                }
            }
        }
        const std::string sweep_limit = std::to_string(max_sweep);
        const std::size_t batches =
            std::max<std::size_t>(1, (items.size() + heartbeat_batch - 1) / heartbeat_batch);
        auto remaining = std::make_shared<std::size_t>(batches);
        for (std::size_t b = 0; b < batches; ++b) {
            std::vector<std::string_view> argv{
                "EVAL",   detail::scripts::heartbeat, "1",      expiry_key_, lifetime_ms_, keep_ms_,
                channel_, room_key_prefix_,           node_id_, sweep_limit};
            const auto end = std::min(items.size(), (b + 1) * heartbeat_batch);
            for (std::size_t i = b * heartbeat_batch; i < end; ++i) {
                argv.insert(argv.end(), {items[i].room, items[i].user, items[i].value});
            }
            const bool sent =
                cmd_->command(argv, [self = shared_from_this(), remaining](const redisReply* r) {
                    if (!r) return;
                    if (r->type == REDIS_REPLY_ERROR) return log_script_error("heartbeat", r);
                    if (--*remaining == 0 && !self->announced_) {
                        self->announced_ = true;
                        self->update_ready();
                    }
                });
            if (!sent) return;
        }
        if (++since_resync_ >= resync_every) resync();
    }

    // --- the cache (the strand) ---

    void on_cmd_up() {
        announced_ = false;
        heartbeat();  // writes back and announces this node's entries at once
        resync();
    }

    void on_down() {
        announced_ = false;
        loaded_ = false;
        catch_up_due_ = true;
        update_ready();
    }

    void on_sub_up() { sub_->subscribe(channel_); }

    void on_sub_down() {
        subscribed_ = false;
        on_down();
    }

    void on_pubsub(const redisReply& r) {
        if (r.type != REDIS_REPLY_ARRAY || r.elements < 3) return;
        const auto kind = text_of(*r.element[0]);
        if (kind == "subscribe") {
            subscribed_ = true;
            return resync();  // subscribed first, then loaded: no change falls in between
        }
        if (kind != "message") return;
        const auto payload = text_of(*r.element[2]);
        if (snapshot_in_flight_) buffered_.emplace_back(payload);
        bool changed = false;
        {
            std::lock_guard lock(mutex_);
            changed = apply(payload, remote_, true);
        }
        if (changed) feed_.deliver();
    }

    // Under mutex_. Changes of this node's own entries are ignored: local_ is the truth.
    // With `tell`, a change that makes a member appear in or vanish from this node's view
    // (local_ and remote_) is pushed to the feed; returns whether one was.
    bool apply(std::string_view text, remote_map& into, bool tell) {
        auto c = detail::parse_change(text);
        if (!c || c->node == node_id_) return false;
        const bool here = tell && local_has(c->room, c->user);
        if (c->kind == 'E') {
            auto who = parse_member(c->value, c->user);
            if (!who) return false;
            auto& users = into[c->room];
            const bool known = users.contains(c->user);
            auto& e = users[c->user];
            e.who = std::move(*who);
            e.nodes.insert(c->node);
            if (!tell || here || known) return false;
            feed_.push(c->room, e.who, true);
            return true;
        }
        auto r = into.find(c->room);
        if (r == into.end()) return false;
        auto u = r->second.find(c->user);
        if (u == r->second.end()) return false;
        u->second.nodes.erase(c->node);
        if (!u->second.nodes.empty()) return false;
        const bool gone = tell && !here;
        if (gone) feed_.push(c->room, std::move(u->second.who), false);
        r->second.erase(u);
        if (r->second.empty()) into.erase(r);
        return gone;
    }

    // Under mutex_. A reload replaces remote_ with `fresh`: members it adds or drops that have
    // no connection here are changes of this node's view (pub/sub lost them, or Redis did).
    bool tell_differences(const remote_map& fresh) {
        bool changed = false;
        const auto diff = [&](const remote_map& from, const remote_map& to, bool present) {
            for (const auto& [room, users] : from) {
                const auto other = to.find(room);
                for (const auto& [id, e] : users) {
                    if (other != to.end() && other->second.contains(id)) continue;
                    if (local_has(room, id)) continue;
                    feed_.push(room, e.who, present);
                    changed = true;
                }
            }
        };
        diff(remote_, fresh, false);
        diff(fresh, remote_, true);
        return changed;
    }

    // Reloads every other node's entries. Changes that arrive while the load is in flight are
    // applied again on top of it, so a change is never overwritten by an older picture.
    void resync() {
        if (closed_ || snapshot_in_flight_ || !cmd_->up() || !subscribed_) return;
        snapshot_in_flight_ = true;
        buffered_.clear();
        since_resync_ = 0;
        const bool sent =
            cmd_->command({"EVAL", detail::scripts::snapshot, "1", expiry_key_, room_key_prefix_},
                          [self = shared_from_this()](const redisReply* r) {
                              self->snapshot_in_flight_ = false;
                              if (!r || r->type != REDIS_REPLY_ARRAY) {
                                  if (r) log_script_error("snapshot", r);
                                  return;
                              }
                              self->load(*r);
                          });
        if (!sent) snapshot_in_flight_ = false;
    }

    void load(const redisReply& r) {
        remote_map fresh;
        for (std::size_t i = 0; i + 1 < r.elements; i += 2) {
            const std::string event = "E|" + std::string(text_of(*r.element[i])) + "|" +
                                      std::string(text_of(*r.element[i + 1]));
            apply(event, fresh, false);
        }
        bool changed = false;
        {
            std::lock_guard lock(mutex_);
            for (const auto& event : buffered_) apply(event, fresh, false);
            changed = tell_differences(fresh);
            remote_.swap(fresh);
        }
        buffered_.clear();
        if (changed) feed_.deliver();
        loaded_ = true;
        update_ready();
    }

    void update_ready() {
        const bool ready =
            !closed_ && cmd_->up() && sub_->up() && subscribed_ && loaded_ && announced_;
        connected_ = ready;
        if (!ready || !catch_up_due_) return;
        catch_up_due_ = false;
        std::function<void()> f;
        {
            std::lock_guard lock(mutex_);
            f = reconnected_;
        }
        spdlog::info("redis presence: announced again and reloaded");
        if (f) f();
    }

    boost::asio::io_context& ioc_;
    detail::strand strand_;
    const std::string node_id_;
    const std::string channel_;
    const std::string expiry_key_;
    const std::string room_key_prefix_;
    const std::chrono::milliseconds interval_;
    const std::string lifetime_ms_;
    const std::string keep_ms_;
    const redis_endpoint ep_;
    const detail::connection_limits lim_;
    std::shared_ptr<connection> cmd_;
    std::shared_ptr<connection> sub_;

    // Any thread, under mutex_.
    mutable std::mutex mutex_;
    std::unordered_map<storage::room_id, std::map<storage::user_id, local_entry>> local_;
    remote_map remote_;
    std::function<void()> reconnected_;
    rooms::change_feed feed_;
    std::atomic<bool> connected_{false};

    // The strand only.
    boost::asio::steady_timer heartbeat_timer_;
    unsigned since_resync_ = 0;
    bool snapshot_in_flight_ = false;
    std::vector<std::string> buffered_;
    bool subscribed_ = false;
    bool loaded_ = false;
    bool announced_ = false;
    bool catch_up_due_ = false;  // the first connect is not a reconnect
    bool closed_ = false;
};

class redis_presence_handle final : public redis_presence {
  public:
    explicit redis_presence_handle(std::shared_ptr<presence_impl> impl) : impl_(std::move(impl)) {}
    ~redis_presence_handle() override {
        impl_->on_change({});  // no call reaches the owner's listener after this
        detail::close_on_strand(
            impl_->ioc(), impl_->strand(), [impl = impl_] { impl->close(); }, "redis presence");
    }

    bool enter(storage::room_id room, const rooms::member& m) override {
        return impl_->enter(room, m);
    }
    bool exit(storage::room_id room, storage::user_id user) override {
        return impl_->exit(room, user);
    }
    std::vector<rooms::member> present(storage::room_id room) override {
        return impl_->present(room);
    }
    bool connected() const noexcept override { return impl_->connected(); }
    void on_reconnected(std::function<void()> f) override { impl_->on_reconnected(std::move(f)); }
    void on_change(change_listener f) override { impl_->on_change(std::move(f)); }

  private:
    std::shared_ptr<presence_impl> impl_;
};

}  // namespace

std::unique_ptr<redis_presence> make_redis_presence(boost::asio::io_context& ioc,
                                                    const redis_options& o) {
    auto ep = validate(o);
    if (!ep) throw boost::system::system_error(ep.error(), "redis presence options");
    auto impl = std::make_shared<presence_impl>(ioc, o, std::move(*ep));
    impl->start();
    return std::make_unique<redis_presence_handle>(std::move(impl));
}

}  // namespace circles::cluster
