#include "shared_state.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "agreement.hpp"

namespace circles::gateway {

namespace {
std::shared_ptr<const shared_state::policy_in_force> snapshot_of(moderation::policy p) {
    auto policy = std::make_shared<const moderation::policy>(std::move(p));
    auto version = agreement_version(*policy);
    auto flood = std::make_shared<moderation::flood_guard>(policy->flood());
    return std::make_shared<const shared_state::policy_in_force>(
        shared_state::policy_in_force{std::move(policy), std::move(flood), std::move(version)});
}
}  // namespace

shared_state::shared_state(config cfg, storage::store& store, rooms::service& rooms)
    : cfg_(std::move(cfg)),
      store_(store),
      rooms_(rooms),
      send_limiter_({cfg_.lim.send_rate_per_second, cfg_.lim.send_burst}),
      login_limiter_({cfg_.lim.login_rate_per_minute / 60.0, cfg_.lim.login_rate_per_minute}),
      // At start an invalid policy file stops the server (the exception reaches main).
      in_force_(snapshot_of(cfg_.policy_file.empty() ? moderation::policy{}
                                                      : moderation::load_policy(cfg_.policy_file))) {}

void shared_state::escalation_opened(std::int64_t escalation_id) {
    if (!pager_) return;  // the escalation is durable; its deadline pages it
    boost::asio::post(escalation_pool_, [p = pager_, escalation_id] { p->opened(escalation_id); });
}

std::shared_ptr<const shared_state::policy_in_force> shared_state::in_force() const {
    std::lock_guard lock(policy_mutex_);
    return in_force_;
}

bool shared_state::reload_policy() {
    if (cfg_.policy_file.empty()) return false;
    try {
        auto fresh = snapshot_of(moderation::load_policy(cfg_.policy_file));
        std::lock_guard lock(policy_mutex_);
        in_force_ = std::move(fresh);
    } catch (const std::exception& e) {
        spdlog::error("policy reload refused, the policy in force stays: {}", e.what());
        return false;
    }
    spdlog::info("policy reloaded from {}", cfg_.policy_file.string());
    return true;
}

bool shared_state::origin_allowed(std::string_view origin) const {
    return std::find(cfg_.allowed_origins.begin(), cfg_.allowed_origins.end(), origin) !=
           cfg_.allowed_origins.end();
}

std::uint64_t shared_state::add(
    const std::weak_ptr<connection>& c,
    std::optional<std::chrono::system_clock::time_point> session_expires) {
    std::lock_guard lock(mutex_);
    const auto id = next_id_++;
    const auto expiry = session_expires ? expiries_.emplace(*session_expires, id) : expiries_.end();
    connections_.emplace(id, registered{c, expiry});
    return id;
}

void shared_state::remove(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    if (it->second.expiry != expiries_.end()) expiries_.erase(it->second.expiry);
    connections_.erase(it);
}

void shared_state::close_expired(std::chrono::system_clock::time_point now) {
    std::vector<std::shared_ptr<connection>> ended;
    {
        std::lock_guard lock(mutex_);
        while (!expiries_.empty() && expiries_.begin()->first <= now) {
            auto c = connections_.find(expiries_.begin()->second);
            expiries_.erase(expiries_.begin());
            if (c == connections_.end()) continue;
            c->second.expiry = expiries_.end();
            if (auto live = c->second.c.lock()) ended.push_back(std::move(live));
        }
    }
    for (const auto& c : ended) c->close_session_expired();
}

std::vector<std::shared_ptr<connection>> shared_state::snapshot() const {
    std::vector<std::shared_ptr<connection>> out;
    std::lock_guard lock(mutex_);
    out.reserve(connections_.size());
    for (const auto& [id, r] : connections_) {
        if (auto c = r.c.lock()) out.push_back(std::move(c));
    }
    return out;
}

void shared_state::close_all() {
    {
        std::lock_guard lock(mutex_);
        shutting_down_ = true;
    }
    for (const auto& c : snapshot()) c->close_for_shutdown();
}

void shared_state::end_session(std::string_view token) {
    // Every bus delivers a publish to this node's own watchers at once, Redis or not.
    rooms_.publish_session_ended(storage::session_token_hash(token));
}

void shared_state::close_session(const std::string& token_hash) {
    for (const auto& c : snapshot()) c->close_if_session(token_hash);
}

void session_watcher::deliver(const rooms::room_event& ev) {
    if (ev.room != rooms::service::sessions_channel || !ev.frame ||
        ev.frame->size() != storage::session_token_hash_bytes) {
        return;
    }
    state_.close_session(*ev.frame);
}

bool shared_state::shutting_down() const {
    std::lock_guard lock(mutex_);
    return shutting_down_;
}

std::size_t shared_state::connection_count() const {
    std::lock_guard lock(mutex_);
    return connections_.size();
}

}  // namespace circles::gateway
