#include "circles/moderation/rate_limiter.hpp"

#include <algorithm>
#include <vector>

namespace circles::moderation {

rate_limiter::rate_limiter(rate_limit limit, std::size_t max_keys)
    : limit_(limit), max_keys_(std::max<std::size_t>(max_keys, 1)) {}

rate_verdict rate_limiter::take(const std::string& key, clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(key);
    if (it == buckets_.end()) {
        if (buckets_.size() >= max_keys_) evict_idle(now);
        it = buckets_.emplace(key, token_bucket(limit_, now)).first;
    }
    return it->second.take(now);
}

std::size_t rate_limiter::tracked_keys() const {
    std::lock_guard lock(mutex_);
    return buckets_.size();
}

// A bucket idle for burst/rate seconds is full again: forgetting it changes nothing.
void rate_limiter::evict_idle(clock::time_point now) {
    const auto refill = std::chrono::duration<double>(limit_.burst / limit_.rate_per_second);
    std::erase_if(buckets_, [&](const auto& kv) { return now - kv.second.updated() >= refill; });
    if (buckets_.size() < max_keys_) return;
    std::vector<clock::time_point> times;
    times.reserve(buckets_.size());
    for (const auto& kv : buckets_) times.push_back(kv.second.updated());
    auto mid = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
    std::nth_element(times.begin(), mid, times.end());
    const auto cutoff = *mid;
    std::erase_if(buckets_, [&](const auto& kv) { return kv.second.updated() <= cutoff; });
}

}  // namespace circles::moderation
