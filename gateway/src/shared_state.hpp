#pragma once
// What every connection of one server shares: configuration, the store, rooms, limits, the
// pool that runs password hashing off the I/O threads, and the registry of live connections
// that shutdown and logout walk. The registry holds weak references only.
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "circles/gateway/config.hpp"
#include "circles/moderation/engine.hpp"
#include "circles/moderation/flood_guard.hpp"
#include "circles/moderation/pager.hpp"
#include "circles/moderation/rate_limiter.hpp"
#include "circles/rooms/service.hpp"
#include "circles/storage/store.hpp"

namespace circles::gateway {

class escalation_notifier;

// A connection that shutdown can close and logout can find.
class connection {
  public:
    virtual ~connection() = default;
    virtual void close_for_shutdown() = 0;
    // Closes the connection if it was opened with the login whose token hashes to
    // `token_hash` (storage::session_token_hash), after a logout on any node.
    virtual void close_if_session(const std::string& token_hash) = 0;
    // The login it was opened with has expired (only connections added with an expiry).
    virtual void close_session_expired() {}
};

// Watches the sessions channel for this node: a logout on any node closes the sockets opened
// with that login here.
class session_watcher final : public rooms::subscriber {
  public:
    explicit session_watcher(class shared_state& state) : state_(state) {}
    void deliver(const rooms::room_event& ev) override;

  private:
    class shared_state& state_;
};

class shared_state {
  public:
    shared_state(config cfg, storage::store& store, rooms::service& rooms);

    const config& cfg() const noexcept { return cfg_; }
    storage::store& store() noexcept { return store_; }
    rooms::service& rooms() noexcept { return rooms_; }
    moderation::rate_limiter& send_limiter() noexcept { return send_limiter_; }
    moderation::rate_limiter& login_limiter() noexcept { return login_limiter_; }
    // The policy in force, its flood guard and its agreement version, as one snapshot: a
    // reload swaps all three together, and a send keeps the snapshot it started with.
    struct policy_in_force {
        std::shared_ptr<const moderation::policy> policy;
        // Flooding limits of the policy (rates per user and room, duplicates, mentions,
        // repeated characters, slow mode). A reload starts a fresh guard with the new limits.
        std::shared_ptr<moderation::flood_guard> flood;
        std::string agreement_version;  // of its ground rules (agreement.hpp)
    };
    std::shared_ptr<const policy_in_force> in_force() const;
    std::shared_ptr<const moderation::policy> policy() const { return in_force()->policy; }
    // Loads cfg().policy_file again (SIGHUP). An invalid file is refused and logged with its
    // file, line and problem, and the policy in force stays. Returns whether it was replaced.
    bool reload_policy();
    boost::asio::thread_pool& auth_pool() noexcept { return auth_pool_; }
    // Escalation work reads and writes the store (paging, ListEscalations, AckEscalation): it
    // runs here, one thread, never on an I/O thread.
    boost::asio::thread_pool& escalation_pool() noexcept { return escalation_pool_; }
    // Set once by serve() before the listener starts (both outlive every use: serve() joins
    // escalation_pool() before destroying them).
    void set_escalations(moderation::pager* p, escalation_notifier* n) {
        pager_ = p;
        notifier_ = n;
    }
    escalation_notifier* notifier() const noexcept { return notifier_; }
    // A send committed a new escalation: page its level 0, off the I/O thread.
    void escalation_opened(std::int64_t escalation_id);
    // /readyz: the store answers and this probe (the Redis bus and presence) says yes.
    void set_readiness(std::function<bool()> probe) { readiness_ = std::move(probe); }
    bool cluster_ready() const { return !readiness_ || readiness_(); }

    bool origin_allowed(std::string_view origin) const;

    // `session_expires`: when the login the connection was opened with ends; at the first
    // close_expired() after that, the connection is told (close_session_expired).
    std::uint64_t add(const std::weak_ptr<connection>& c,
                      std::optional<std::chrono::system_clock::time_point> session_expires = {});
    void remove(std::uint64_t id);
    // Tells every connection whose session ended by `now`, and forgets its expiry. serve()
    // calls it every session_expiry_check: one ordered index for the node, no timer per
    // connection (a waiting timer costs a connection over a kilobyte).
    void close_expired(std::chrono::system_clock::time_point now);
    // Closes every connection (1001 for WebSockets) and refuses new ones from now on.
    void close_all();
    // A logout: closes this node's connections opened with `token`, and tells every other
    // node through the bus (the sessions channel) to close theirs.
    void end_session(std::string_view token);
    // Closes this node's connections of the login whose token hashes to `token_hash`
    // (storage::session_token_hash, the only form of a token that leaves this node).
    void close_session(const std::string& token_hash);
    bool shutting_down() const;
    std::size_t connection_count() const;

  private:
    std::vector<std::shared_ptr<connection>> snapshot() const;

    config cfg_;
    storage::store& store_;
    rooms::service& rooms_;
    moderation::rate_limiter send_limiter_;
    moderation::rate_limiter login_limiter_;
    mutable std::mutex policy_mutex_;
    std::shared_ptr<const policy_in_force> in_force_;
    boost::asio::thread_pool auth_pool_{2};
    boost::asio::thread_pool escalation_pool_{1};
    moderation::pager* pager_ = nullptr;
    escalation_notifier* notifier_ = nullptr;
    std::function<bool()> readiness_;  // set once, before the listener starts

    mutable std::mutex mutex_;
    bool shutting_down_ = false;
    std::uint64_t next_id_ = 1;
    using expiry_index = std::multimap<std::chrono::system_clock::time_point, std::uint64_t>;
    struct registered {
        std::weak_ptr<connection> c;
        expiry_index::iterator expiry;  // expiries_.end() for none
    };
    std::unordered_map<std::uint64_t, registered> connections_;
    expiry_index expiries_;
};

}  // namespace circles::gateway
