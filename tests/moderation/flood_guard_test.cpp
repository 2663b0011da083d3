// flood_guard: rates, duplicates, mentions, repeated characters, slow mode, bounded memory.
#include "circles/moderation/flood_guard.hpp"

#include <gtest/gtest.h>

namespace circles::moderation {
namespace {

using namespace std::chrono_literals;
using clock = flood_guard::clock;

TEST(FloodGuard, LimitsOneUsersRate) {
    flood_guard g({.user_messages = 3, .user_window = 10s});
    const auto t = clock::time_point{} + 1h;
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(g.check(1, "r", "m" + std::to_string(i), t).allowed);
    const auto v = g.check(1, "r", "m9", t + 1s);
    EXPECT_FALSE(v.allowed);
    EXPECT_EQ(v.reason, "user_rate");
    EXPECT_EQ(v.retry_after, 9000ms);
    EXPECT_FALSE(v.reply.empty());
    EXPECT_TRUE(g.check(2, "r", "other user", t + 1s).allowed);
    EXPECT_TRUE(g.check(1, "r", "later", t + 11s).allowed);
}

TEST(FloodGuard, LimitsARoomsRate) {
    flood_guard g({.user_messages = 100, .room_messages = 2, .room_window = 5s});
    const auto t = clock::time_point{} + 1h;
    EXPECT_TRUE(g.check(1, "r", "a", t).allowed);
    EXPECT_TRUE(g.check(2, "r", "b", t).allowed);
    EXPECT_EQ(g.check(3, "r", "c", t).reason, "room_rate");
    EXPECT_TRUE(g.check(3, "other", "c", t).allowed);
}

TEST(FloodGuard, RefusesDuplicatesWithinTheWindow) {
    flood_guard g({.duplicate_window = 60s});
    const auto t = clock::time_point{} + 1h;
    EXPECT_TRUE(g.check(1, "r", "Hello there", t).allowed);
    const auto v = g.check(1, "r", "hello  there", t + 20s);
    EXPECT_EQ(v.reason, "duplicate");
    EXPECT_EQ(v.retry_after, 40000ms);
    EXPECT_TRUE(g.check(2, "r", "Hello there", t + 20s).allowed);
    EXPECT_TRUE(g.check(1, "other room", "Hello there", t + 21s).allowed)
        << "the same greeting to another group is not a repeat";
    EXPECT_TRUE(g.check(1, "r", "Hello there", t + 61s).allowed);
    EXPECT_EQ(g.check(1, "r", "Hello, there!", t + 62s).reason, "duplicate")
        << "punctuation does not make it new";
}

TEST(FloodGuard, AResendWithTheSameClientIdIsNotARepeat) {
    flood_guard g({.duplicate_window = 60s});
    const auto t = clock::time_point{} + 1h;
    EXPECT_TRUE(g.check(1, "r", "see you at lunch", t, "cmid-1").allowed);
    EXPECT_TRUE(g.check(1, "r", "see you at lunch", t + 1s, "cmid-1").allowed);
    EXPECT_EQ(g.check(1, "r", "see you at lunch", t + 2s, "cmid-2").reason, "duplicate");
}

TEST(FloodGuard, RefusesMentionSpamAndLongRuns) {
    flood_guard g({.max_mentions = 2, .max_repeat_run = 10});
    const auto t = clock::time_point{} + 1h;
    EXPECT_TRUE(g.check(1, "r", "@a @b hi", t).allowed);
    EXPECT_EQ(g.check(1, "r", "@a @b @c hi", t).reason, "mentions");
    EXPECT_EQ(g.check(1, "r", "noooooooooooooo", t).reason, "repeats");
    EXPECT_EQ(count_mentions("mail a@b.com @jo"), 1);
    EXPECT_EQ(longest_run("ab\xF0\x9F\x92\x9C\xF0\x9F\x92\x9C\xF0\x9F\x92\x9C"), 3u);
    // Characters, not bytes: different emoji (one lead byte) and accents are no run.
    EXPECT_EQ(longest_run(""), 0u);
    EXPECT_EQ(longest_run("aabbbba"), 4u);
    EXPECT_EQ(longest_run("\xF0\x9F\x92\x9C\xF0\x9F\x92\x9B\xF0\x9F\x92\x9A"), 1u);
    EXPECT_EQ(longest_run("\xC3\xA9\xC3\xA8\xC3\xA9"), 1u);
    EXPECT_EQ(longest_run("x\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9x"), 4u);
}

TEST(FloodGuard, SlowModeIsPerRoomAndUser) {
    flood_guard g;
    const auto t = clock::time_point{} + 1h;
    g.set_slow_mode("r", 30s);
    EXPECT_EQ(g.slow_mode("r"), 30s);
    EXPECT_TRUE(g.check(1, "r", "first", t).allowed);
    const auto v = g.check(1, "r", "second", t + 10s);
    EXPECT_EQ(v.reason, "slow_mode");
    EXPECT_EQ(v.retry_after, 20000ms);
    EXPECT_TRUE(g.check(2, "r", "another student", t + 10s).allowed);
    EXPECT_TRUE(g.check(1, "other", "other room", t + 10s).allowed);
    EXPECT_TRUE(g.check(1, "r", "third", t + 30s).allowed);
    g.set_slow_mode("r", 0s);
    EXPECT_TRUE(g.check(1, "r", "fourth", t + 31s).allowed);
}

TEST(FloodGuard, MemoryStaysBounded) {
    flood_guard g({.max_keys = 100});
    auto t = clock::time_point{} + 1h;
    for (int i = 0; i < 5000; ++i) g.check(i, "r", "hi", t + std::chrono::milliseconds(i));
    EXPECT_LE(g.tracked_keys(), 101u);
}

}  // namespace
}  // namespace circles::moderation
