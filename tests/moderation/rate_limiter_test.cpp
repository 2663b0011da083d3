// token_bucket and rate_limiter, driven by explicit time points: no sleeping, no clock reads.
#include "circles/moderation/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "circles/moderation/token_bucket.hpp"

namespace circles::moderation {
namespace {

using namespace std::chrono_literals;
using clock_type = token_bucket::clock;

// An arbitrary fixed instant, far from the epoch, so tests never depend on the real clock.
const clock_type::time_point t0 = clock_type::time_point{} + 1000h;

int take_all(token_bucket& b, clock_type::time_point now, int attempts) {
    int allowed = 0;
    for (int i = 0; i < attempts; ++i) allowed += b.take(now).allowed ? 1 : 0;
    return allowed;
}

TEST(TokenBucket, AllowsBurstThenRefuses) {
    token_bucket b({2.0, 5.0}, t0);
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(b.take(t0).allowed) << "take " << i;
    const auto refused = b.take(t0);
    EXPECT_FALSE(refused.allowed);
}

TEST(TokenBucket, RefusalSaysWhenTheNextTokenComes) {
    token_bucket b({2.0, 3.0}, t0);
    take_all(b, t0, 3);
    const auto refused = b.take(t0);
    ASSERT_FALSE(refused.allowed);
    EXPECT_GT(refused.retry_after.count(), 0);
    // One token at 2 per second takes 500 ms.
    EXPECT_NEAR(static_cast<double>(refused.retry_after.count()), 500.0, 1.0);
}

TEST(TokenBucket, RetryAfterIsTheReciprocalOfTheRate) {
    for (double rate : {0.5, 1.0, 4.0, 10.0}) {
        token_bucket b({rate, 1.0}, t0);
        ASSERT_TRUE(b.take(t0).allowed);
        const auto refused = b.take(t0);
        ASSERT_FALSE(refused.allowed);
        EXPECT_NEAR(static_cast<double>(refused.retry_after.count()), 1000.0 / rate, 1.0)
            << "rate " << rate;
    }
}

TEST(TokenBucket, RetryAfterShrinksAsTokensRefill) {
    token_bucket b({2.0, 1.0}, t0);
    ASSERT_TRUE(b.take(t0).allowed);
    const auto refused = b.take(t0 + 250ms);  // half a token is back
    ASSERT_FALSE(refused.allowed);
    EXPECT_NEAR(static_cast<double>(refused.retry_after.count()), 250.0, 1.0);
}

TEST(TokenBucket, RefillsAfterTimePasses) {
    token_bucket b({2.0, 5.0}, t0);
    ASSERT_EQ(take_all(b, t0, 5), 5);
    ASSERT_FALSE(b.take(t0).allowed);
    EXPECT_TRUE(b.take(t0 + 500ms).allowed);
    EXPECT_FALSE(b.take(t0 + 500ms).allowed);
    EXPECT_EQ(take_all(b, t0 + 1500ms, 10), 2);
}

TEST(TokenBucket, StillRefusesJustBeforeATokenIsBack) {
    token_bucket b({2.0, 5.0}, t0);
    ASSERT_EQ(take_all(b, t0, 5), 5);
    EXPECT_FALSE(b.take(t0 + 499ms).allowed);
}

TEST(TokenBucket, RefillIsCappedAtBurst) {
    token_bucket b({2.0, 5.0}, t0);
    ASSERT_EQ(take_all(b, t0, 5), 5);
    EXPECT_EQ(take_all(b, t0 + 1h, 100), 5);
}

TEST(TokenBucket, TheRetryAfterInstantIsEnough) {
    token_bucket b({3.0, 2.0}, t0);
    take_all(b, t0, 2);
    const auto refused = b.take(t0);
    ASSERT_FALSE(refused.allowed);
    EXPECT_TRUE(b.take(t0 + refused.retry_after).allowed);
}

TEST(TokenBucket, ClockGoingBackwardsGrantsNothing) {
    token_bucket b({1.0, 1.0}, t0);
    ASSERT_TRUE(b.take(t0).allowed);
    EXPECT_FALSE(b.take(t0 - 10s).allowed);
    EXPECT_FALSE(b.take(t0).allowed);
}

TEST(RateLimiter, AllowsBurstThenRefusesWithRetryAfter) {
    rate_limiter limiter({1.0, 3.0});
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.take("ana", t0).allowed) << "take " << i;
    const auto refused = limiter.take("ana", t0);
    EXPECT_FALSE(refused.allowed);
    EXPECT_GT(refused.retry_after.count(), 0);
    EXPECT_NEAR(static_cast<double>(refused.retry_after.count()), 1000.0, 1.0);
}

TEST(RateLimiter, RefillsAfterTimePasses) {
    rate_limiter limiter({1.0, 2.0});
    ASSERT_TRUE(limiter.take("ana", t0).allowed);
    ASSERT_TRUE(limiter.take("ana", t0).allowed);
    ASSERT_FALSE(limiter.take("ana", t0).allowed);
    EXPECT_TRUE(limiter.take("ana", t0 + 1s).allowed);
    EXPECT_FALSE(limiter.take("ana", t0 + 1s).allowed);
}

TEST(RateLimiter, KeysAreIndependent) {
    rate_limiter limiter({1.0, 2.0});
    ASSERT_TRUE(limiter.take("ana", t0).allowed);
    ASSERT_TRUE(limiter.take("ana", t0).allowed);
    ASSERT_FALSE(limiter.take("ana", t0).allowed);
    EXPECT_TRUE(limiter.take("ben", t0).allowed);
    EXPECT_TRUE(limiter.take("ben", t0).allowed);
    EXPECT_FALSE(limiter.take("ben", t0).allowed);
    EXPECT_EQ(limiter.tracked_keys(), 2u);
}

TEST(RateLimiter, ReportsItsLimit) {
    rate_limiter limiter({4.0, 9.0});
    EXPECT_EQ(limiter.limit().rate_per_second, 4.0);
    EXPECT_EQ(limiter.limit().burst, 9.0);
}

TEST(RateLimiter, ManyKeysAtOneInstantStayBounded) {
    constexpr std::size_t max_keys = 8;
    rate_limiter limiter({1.0, 5.0}, max_keys);
    for (int i = 0; i < 1000; ++i) {
        EXPECT_TRUE(limiter.take("user" + std::to_string(i), t0).allowed);
        ASSERT_LE(limiter.tracked_keys(), max_keys) << "after key " << i;
    }
    EXPECT_GE(limiter.tracked_keys(), 1u);
}

TEST(RateLimiter, ManyKeysOverTimeStayBounded) {
    constexpr std::size_t max_keys = 5;
    rate_limiter limiter({1.0, 5.0}, max_keys);
    for (int i = 0; i < 500; ++i) {
        limiter.take("user" + std::to_string(i), t0 + std::chrono::milliseconds(i * 7));
        ASSERT_LE(limiter.tracked_keys(), max_keys) << "after key " << i;
    }
}

TEST(RateLimiter, ForgetsIdleKeysWhenFull) {
    rate_limiter limiter({1.0, 2.0}, 3);  // a bucket is full again after 2 s
    limiter.take("a", t0);
    limiter.take("b", t0);
    limiter.take("c", t0);
    ASSERT_EQ(limiter.tracked_keys(), 3u);
    limiter.take("d", t0 + 10s);
    EXPECT_EQ(limiter.tracked_keys(), 1u);
}

TEST(RateLimiter, EvictionKeepsTheMostRecentlyUsedKey) {
    rate_limiter limiter({1.0, 2.0}, 4);
    limiter.take("a", t0);
    limiter.take("b", t0);
    limiter.take("c", t0);
    // "busy" spends its whole burst a little later than the others were touched.
    ASSERT_TRUE(limiter.take("busy", t0 + 100ms).allowed);
    ASSERT_TRUE(limiter.take("busy", t0 + 100ms).allowed);
    ASSERT_FALSE(limiter.take("busy", t0 + 100ms).allowed);
    limiter.take("e", t0 + 100ms);  // full: the older half is dropped
    EXPECT_LE(limiter.tracked_keys(), 4u);
    // The recent, empty bucket must survive: a flood of keys must not refill it.
    EXPECT_FALSE(limiter.take("busy", t0 + 100ms).allowed);
}

TEST(RateLimiter, MaxKeysOfZeroStillTracksOne) {
    rate_limiter limiter({1.0, 1.0}, 0);
    EXPECT_TRUE(limiter.take("a", t0).allowed);
    EXPECT_FALSE(limiter.take("a", t0).allowed);
    EXPECT_EQ(limiter.tracked_keys(), 1u);
}

TEST(RateLimiter, ConcurrentTakersNeverExceedBurst) {
    constexpr int burst = 7;
    rate_limiter limiter({1.0, static_cast<double>(burst)});
    constexpr int threads = 6;
    constexpr int per_thread = 200;
    std::atomic<int> allowed{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            while (!go.load()) std::this_thread::yield();
            for (int i = 0; i < per_thread; ++i) {
                if (limiter.take("shared", t0).allowed) ++allowed;
            }
        });
    }
    go = true;
    for (auto& w : workers) w.join();
    EXPECT_EQ(allowed.load(), burst);
    EXPECT_EQ(limiter.tracked_keys(), 1u);
}

TEST(RateLimiter, ConcurrentTakersOnManyKeysEachGetTheirBurst) {
    constexpr int burst = 3;
    rate_limiter limiter({1.0, static_cast<double>(burst)});
    constexpr int threads = 4;
    constexpr int keys = 16;
    std::vector<std::atomic<int>> allowed(keys);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (int round = 0; round < 10; ++round) {
                for (int k = 0; k < keys; ++k) {
                    if (limiter.take("k" + std::to_string(k), t0).allowed) ++allowed[k];
                }
            }
        });
    }
    for (auto& w : workers) w.join();
    for (int k = 0; k < keys; ++k) EXPECT_EQ(allowed[k].load(), burst) << "key " << k;
}

}  // namespace
}  // namespace circles::moderation
