#pragma once
// One token bucket: refills at `rate` tokens per second up to `burst`. Not thread-safe; a
// connection owns one on its strand, and rate_limiter guards a map of them with a mutex.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace circles::moderation {

struct rate_limit {
    double rate_per_second = 1.0;
    double burst = 5.0;
};

struct rate_verdict {
    bool allowed = true;
    std::chrono::milliseconds retry_after{0};  // when a token will be there, if refused
};

class token_bucket {
  public:
    using clock = std::chrono::steady_clock;

    token_bucket(rate_limit limit, clock::time_point now)
        : limit_(limit), tokens_(limit.burst), updated_(now) {}

    rate_verdict take(clock::time_point now) {
        const double elapsed = std::chrono::duration<double>(now - updated_).count();
        if (elapsed > 0) {
            tokens_ = std::min(limit_.burst, tokens_ + elapsed * limit_.rate_per_second);
            updated_ = now;
        }
        if (tokens_ >= 1.0) {
            tokens_ -= 1.0;
            return {};
        }
        const double wait_s = (1.0 - tokens_) / limit_.rate_per_second;
        return {false,
                std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(wait_s * 1000)))};
    }

    clock::time_point updated() const noexcept { return updated_; }

  private:
    rate_limit limit_;
    double tokens_;
    clock::time_point updated_;
};

}  // namespace circles::moderation
