// Redis presence between nodes on a real redis-server: an enter on one node is seen on the
// others, a user counts once across nodes and tabs, tabs closing at once on two nodes leave
// every view empty, and a node that dies (no exit, its heartbeat stops) drops out within one
// TTL. Each node's listener hears exactly the changes of its own view: that is what its
// clients are told.
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

// A node's story of one user in one room is whole visits: "+-", or "+-+-" when the node heard
// of another node's tab only after its own had closed. Never a "-" first, never left "+".
::testing::AssertionResult whole_visits(const std::string& story) {
    if (story.empty() || story.size() % 2 != 0)
        return ::testing::AssertionFailure() << "heard " << story;
    for (std::size_t i = 0; i < story.size(); ++i) {
        if (story[i] != (i % 2 == 0 ? '+' : '-'))
            return ::testing::AssertionFailure() << "heard " << story;
    }
    return ::testing::AssertionSuccess();
}

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

    // Both nodes told their clients the same story: a's own connections, b what it heard. (A
    // listener is called after the view changed, outside its lock: wait for it too.)
    for (node* n : {&a, &b}) {
        EXPECT_TRUE(eventually([&] { return n->heard.of(1, 20) == "+-"; })) << n->heard.of(1, 20);
        EXPECT_EQ(n->heard.of(1, 10), "+");
        EXPECT_EQ(n->heard.of(1, 30), "+");
    }
    const auto owl_on_b = b.heard.last(1, 20);
    ASSERT_TRUE(owl_on_b);
    EXPECT_EQ(owl_on_b->display_name, "Green Owl");
    EXPECT_EQ(owl_on_b->user_role, storage::role::facilitator);
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

    // The last connection anywhere goes: everyone sees the room empty. Node a may not have
    // heard of b's tab yet when its own closes: it then tells its clients the heron left, and
    // came and left again as b's enter and exit reach it. Node b saw the heron all along.
    a.presence->exit(1, 10);
    EXPECT_TRUE(eventually([&] { return b.presence->present(1).empty(); }));
    EXPECT_TRUE(eventually([&] { return a.presence->present(1).empty(); }));
    // A later change each way shows each node has handled everything the other published
    // before it.
    a.presence->enter(2, owl());
    b.presence->enter(2, fox());
    ASSERT_TRUE(eventually([&] { return b.heard.of(2, 20) == "+" && a.heard.of(2, 30) == "+"; }));
    EXPECT_TRUE(whole_visits(a.heard.of(1, 10)));
    EXPECT_EQ(b.heard.of(1, 10), "+-");
}

// Two tabs, one on each node, close at the same moment, over and over: neither node waits for
// the other's exit to reach it. Whatever order the changes cross in, every node's view ends
// empty and its clients heard the user come and go, never left present.
TEST(RedisPresence, TabsClosingAtOnceOnTwoNodesLeaveEveryViewEmpty) {
    redis_server redis;
    node a(redis.url(), "a", true);
    node b(redis.url(), "b", true);
    ASSERT_TRUE(eventually([&] { return a.presence->connected() && b.presence->connected(); }));

    constexpr storage::room_id rooms = 40;
    for (storage::room_id room = 1; room <= rooms; ++room) {
        a.presence->enter(room, heron());
        b.presence->enter(room, heron());
        // Odd rooms close on a first, even rooms on b.
        if (room % 2 == 1) {
            a.presence->exit(room, 10);
            b.presence->exit(room, 10);
        } else {
            b.presence->exit(room, 10);
            a.presence->exit(room, 10);
        }
    }
    for (node* n : {&a, &b}) {
        ASSERT_TRUE(eventually([&] {
            for (storage::room_id room = 1; room <= rooms; ++room) {
                if (!n->presence->present(room).empty()) return false;
            }
            return true;
        }));
    }
    // A later change each way: both nodes have handled every change published before it.
    a.presence->enter(rooms + 1, owl());
    b.presence->enter(rooms + 1, fox());
    for (node* n : {&a, &b}) {
        ASSERT_TRUE(eventually([&] {
            return n->heard.of(rooms + 1, 20) == "+" && n->heard.of(rooms + 1, 30) == "+";
        }));
    }
    for (node* n : {&a, &b}) {
        for (storage::room_id room = 1; room <= rooms; ++room) {
            EXPECT_TRUE(whole_visits(n->heard.of(room, 10))) << "room " << room;
        }
    }
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
    node c(redis.url(), "c", true);
    ASSERT_TRUE(eventually([&] {
        return a->presence->connected() && b.presence->connected() && c.presence->connected();
    }));

    a->presence->enter(1, heron());
    a->presence->enter(2, owl());
    ASSERT_TRUE(eventually([&] {
        return shows(*b.presence, 1, 10) && shows(*b.presence, 2, 20) &&
               shows(*c.presence, 1, 10) && shows(*c.presence, 2, 20);
    }));

    // Node a dies: no exit, its heartbeats stop, its connections close.
    a.reset();
    // It drops out on its own (the TTL expires): no exit was ever sent.
    ASSERT_TRUE(eventually(
        [&] { return b.presence->present(1).empty() && b.presence->present(2).empty(); }, 3s));
    ASSERT_TRUE(eventually(
        [&] { return c.presence->present(1).empty() && c.presence->present(2).empty(); }, 3s));

    // Every live node tells its own clients, once: whichever node swept the entries.
    for (node* n : {&b, &c}) {
        ASSERT_TRUE(eventually([&] {
            return n->heard.of(1, 10) == "+-" && n->heard.of(2, 20) == "+-";
        })) << "heard "
            << n->heard.of(1, 10) << " and " << n->heard.of(2, 20);
        const auto heron_gone = n->heard.last(1, 10);
        ASSERT_TRUE(heron_gone);
        EXPECT_EQ(heron_gone->display_name, "Blue Heron");
        const auto owl_gone = n->heard.last(2, 20);
        ASSERT_TRUE(owl_gone);
        EXPECT_EQ(owl_gone->user_role, storage::role::facilitator);
    }
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
