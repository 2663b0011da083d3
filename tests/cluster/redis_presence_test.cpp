// Redis presence between nodes on a real redis-server: an enter on one node is seen on the
// others, a user counts once across nodes and tabs, and a node that dies (no exit, its
// heartbeat stops) drops out within one TTL.
#include "circles/cluster/redis_presence.hpp"

#include <gtest/gtest.h>

#include "redis_server.hpp"
#include "test_support.hpp"

namespace circles::cluster {
namespace {

using namespace testing;

rooms::member heron() { return {10, "Blue Heron", storage::role::student}; }
rooms::member owl() { return {20, "Green Owl", storage::role::facilitator}; }
rooms::member fox() { return {30, "Red Fox | the second", storage::role::counselor}; }

bool shows(redis_presence& p, storage::room_id room, storage::user_id user) {
    for (const auto& m : p.present(room)) {
        if (m.id == user) return true;
    }
    return false;
}

TEST(RedisPresence, EnterOnOneNodeIsVisibleOnTheOther) {
    redis_server redis;
    node a(redis.url(), "a", true);
    node b(redis.url(), "b", true);
    ASSERT_TRUE(eventually([&] { return a.presence->connected() && b.presence->connected(); }));

    EXPECT_TRUE(a.presence->enter(1, fox()));
    EXPECT_TRUE(a.presence->enter(1, heron()));
    EXPECT_TRUE(a.presence->enter(1, owl()));
    ASSERT_TRUE(eventually([&] { return b.presence->present(1).size() == 3; }));

    const auto seen = b.presence->present(1);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].id, 10);  // user-id order on every node
    EXPECT_EQ(seen[0].display_name, "Blue Heron");
    EXPECT_EQ(seen[0].user_role, storage::role::student);
    EXPECT_EQ(seen[1].id, 20);
    EXPECT_EQ(seen[1].user_role, storage::role::facilitator);
    EXPECT_EQ(seen[2].id, 30);
    EXPECT_EQ(seen[2].display_name, "Red Fox | the second");
    EXPECT_EQ(seen[2].user_role, storage::role::counselor);
    EXPECT_TRUE(b.presence->present(2).empty());

    EXPECT_TRUE(a.presence->exit(1, 20));
    EXPECT_TRUE(eventually([&] { return !shows(*b.presence, 1, 20); }));
    EXPECT_EQ(b.presence->present(1).size(), 2u);
}

TEST(RedisPresence, AUserCountsOnceAcrossNodes) {
    redis_server redis;
    node a(redis.url(), "a", true);
    node b(redis.url(), "b", true);
    ASSERT_TRUE(eventually([&] { return a.presence->connected() && b.presence->connected(); }));

    ASSERT_TRUE(a.presence->enter(1, heron()));
    ASSERT_TRUE(eventually([&] { return shows(*b.presence, 1, 10); }));
    // A second tab on another node is not a new arrival, and closing it is not a departure.
    EXPECT_FALSE(b.presence->enter(1, heron()));
    EXPECT_EQ(b.presence->present(1).size(), 1u) << "one member, however many connections";
    EXPECT_FALSE(b.presence->exit(1, 10));
    EXPECT_TRUE(shows(*b.presence, 1, 10)) << "still connected through node a";

    // The last connection anywhere goes: everyone sees the room empty.
    EXPECT_TRUE(a.presence->exit(1, 10));
    EXPECT_TRUE(eventually([&] { return b.presence->present(1).empty(); }));
    EXPECT_TRUE(a.presence->present(1).empty());
}

TEST(RedisPresence, SeveralConnectionsOnOneNodeCountOnce) {
    redis_server redis;
    node a(redis.url(), "a", true);
    node b(redis.url(), "b", true);
    EXPECT_TRUE(a.presence->enter(1, heron()));
    EXPECT_FALSE(a.presence->enter(1, heron()));
    EXPECT_FALSE(a.presence->exit(1, 10));
    EXPECT_EQ(a.presence->present(1).size(), 1u);
    ASSERT_TRUE(eventually([&] { return shows(*b.presence, 1, 10); }));
    EXPECT_TRUE(a.presence->exit(1, 10));
    EXPECT_FALSE(a.presence->exit(1, 10)) << "an absent user cannot leave again";
    EXPECT_TRUE(eventually([&] { return b.presence->present(1).empty(); }));
}

TEST(RedisPresence, ADeadNodeDropsOutWithinOneTtl) {
    redis_server redis;
    auto a = std::make_unique<node>(redis.url(), "a", true);
    node b(redis.url(), "b", true);
    std::mutex mutex;
    std::vector<std::pair<storage::room_id, rooms::member>> lost;
    b.presence->on_member_lost([&](storage::room_id room, const rooms::member& m) {
        std::lock_guard lock(mutex);
        lost.emplace_back(room, m);
    });
    ASSERT_TRUE(eventually([&] { return a->presence->connected() && b.presence->connected(); }));

    a->presence->enter(1, heron());
    a->presence->enter(2, owl());
    ASSERT_TRUE(eventually([&] { return shows(*b.presence, 1, 10) && shows(*b.presence, 2, 20); }));

    // Node a dies: no exit, its heartbeats stop, its connections close.
    a.reset();
    // It drops out on its own (the TTL expires): no exit was ever sent.
    ASSERT_TRUE(eventually(
        [&] { return b.presence->present(1).empty() && b.presence->present(2).empty(); }, 3s));

    ASSERT_TRUE(eventually([&] {
        std::lock_guard lock(mutex);
        return lost.size() == 2;
    }));
    std::lock_guard lock(mutex);
    std::sort(lost.begin(), lost.end(), [](auto& x, auto& y) { return x.first < y.first; });
    EXPECT_EQ(lost[0].first, 1);
    EXPECT_EQ(lost[0].second.id, 10);
    EXPECT_EQ(lost[0].second.display_name, "Blue Heron");
    EXPECT_EQ(lost[1].first, 2);
    EXPECT_EQ(lost[1].second.user_role, storage::role::facilitator);
}

TEST(RedisPresence, ALiveNodeIsNeverSweptAndLateJoinersLoadIt) {
    redis_server redis;
    node a(redis.url(), "a", true);
    a.presence->enter(1, heron());
    // Several TTLs: the heartbeat keeps the entry alive.
    std::this_thread::sleep_for(test_ttl * 2);
    // A node that starts now loads what is already there.
    node b(redis.url(), "b", true);
    ASSERT_TRUE(eventually([&] { return b.presence->connected(); }));
    EXPECT_TRUE(shows(*b.presence, 1, 10));
    EXPECT_TRUE(shows(*a.presence, 1, 10));
}

}  // namespace
}  // namespace circles::cluster
