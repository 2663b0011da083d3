#pragma once
// Token buckets keyed by an id (a user, a login name). Thread-safe and bounded: buckets idle
// long enough to be full again are forgotten, and past `max_keys` the least recently used
// half is dropped, so a flood of new keys cannot grow memory without limit.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "circles/moderation/token_bucket.hpp"

namespace circles::moderation {

class rate_limiter {
  public:
    using clock = token_bucket::clock;
    static constexpr std::size_t default_max_keys = 100'000;

    explicit rate_limiter(rate_limit limit, std::size_t max_keys = default_max_keys);

    // Takes a token for `key` if one is there.
    rate_verdict take(const std::string& key, clock::time_point now = clock::now());

    std::size_t tracked_keys() const;
    const rate_limit& limit() const noexcept { return limit_; }

  private:
    void evict_idle(clock::time_point now);

    rate_limit limit_;
    std::size_t max_keys_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, token_bucket> buckets_;
};

}  // namespace circles::moderation
