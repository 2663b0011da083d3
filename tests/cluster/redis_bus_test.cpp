// The Redis bus between two and three nodes (each its own io_context and thread) on a real
// redis-server: exactly once to every subscribed node, nothing after unsubscribe, own
// publishes delivered locally at once and their echo dropped.
#include "circles/cluster/redis_bus.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include "redis_server.hpp"
#include "test_support.hpp"

namespace circles::cluster {
namespace {

using namespace testing;

TEST(RedisBus, AnEventReachesEverySubscribedNodeExactlyOnce) {
    redis_server redis;
    node a(redis.url(), "a");
    node b(redis.url(), "b");
    node c(redis.url(), "c");
    b.bus->subscribe(1);
    c.bus->subscribe(1);
    ASSERT_TRUE(wait_live(a, b, 1));
    ASSERT_TRUE(wait_live(a, c, 1));
    EXPECT_TRUE(eventually([&] { return a.bus->connected() && b.bus->connected(); }));

    constexpr int count = 50;
    for (int i = 1; i <= count; ++i) {
        a.bus->publish(
            event_of(1, i, "message " + std::to_string(i), 70 + i,
                     i % 2 ? storage::message_status::visible : storage::message_status::held));
    }
    a.bus->publish(event_of(1, 0, "probe end"));
    ASSERT_TRUE(eventually([&] { return b.seen.saw_frame("probe end"); }));
    ASSERT_TRUE(eventually([&] { return c.seen.saw_frame("probe end"); }));

    for (node* n : {&b, &c}) {
        const auto got = n->seen.messages();
        ASSERT_EQ(got.size(), static_cast<std::size_t>(count));
        for (int i = 1; i <= count; ++i) {
            const auto& ev = got[i - 1];
            EXPECT_EQ(ev.room, 1);
            EXPECT_EQ(ev.seq, static_cast<storage::seq_t>(i));
            EXPECT_EQ(ev.sender, 70 + i);
            EXPECT_EQ(ev.status,
                      i % 2 ? storage::message_status::visible : storage::message_status::held);
            ASSERT_TRUE(ev.frame);
            EXPECT_EQ(*ev.frame, "message " + std::to_string(i));
        }
    }
    EXPECT_TRUE(a.seen.events().empty()) << "node a has no members in room 1";
    EXPECT_EQ(b.bus->stats().received, b.seen.events().size());
    EXPECT_EQ(a.bus->stats().malformed, 0u);
}

TEST(RedisBus, NothingArrivesAfterUnsubscribe) {
    redis_server redis;
    node a(redis.url(), "a");
    node b(redis.url(), "b");
    b.bus->subscribe(1);
    b.bus->subscribe(2);
    ASSERT_TRUE(wait_live(a, b, 1));
    ASSERT_TRUE(wait_live(a, b, 2));

    EXPECT_EQ(b.times_subscribed(1), 1u) << "on_subscribed once Redis confirmed it";
    EXPECT_EQ(b.times_subscribed(2), 1u);
    b.bus->unsubscribe(1);
    a.bus->publish(event_of(1, 5, "after unsubscribe"));
    // Same publisher, same subscriber connection: the marker in room 2 comes after it.
    a.bus->publish(event_of(2, 0, "probe marker"));
    ASSERT_TRUE(eventually([&] { return b.seen.saw_frame("probe marker"); }));
    EXPECT_FALSE(b.seen.saw_frame("after unsubscribe"));

    // And again a while later, when the UNSUBSCRIBE has surely reached Redis.
    a.bus->publish(event_of(1, 6, "much later"));
    a.bus->publish(event_of(2, 0, "probe marker 2"));
    ASSERT_TRUE(eventually([&] { return b.seen.saw_frame("probe marker 2"); }));
    EXPECT_FALSE(b.seen.saw_frame("much later"));

    // The room comes back when a member does.
    b.bus->subscribe(1);
    ASSERT_TRUE(wait_live(a, b, 1));
    a.bus->publish(event_of(1, 7, "back again"));
    EXPECT_TRUE(eventually([&] { return b.seen.saw_frame("back again"); }));
    EXPECT_EQ(b.times_subscribed(1), 2u);
}

TEST(RedisBus, QuickUnsubscribeAndSubscribeLeavesTheRoomSubscribed) {
    // A member leaves and another joins at once: the second SUBSCRIBE must not be lost under
    // the UNSUBSCRIBE's reply.
    redis_server redis;
    node a(redis.url(), "a");
    node b(redis.url(), "b");
    b.bus->subscribe(1);
    ASSERT_TRUE(wait_live(a, b, 1));
    for (int i = 0; i < 20; ++i) {
        b.bus->unsubscribe(1);
        b.bus->subscribe(1);
    }
    ASSERT_TRUE(wait_live(a, b, 1));
    a.bus->publish(event_of(1, 1, "still here"));
    EXPECT_TRUE(eventually([&] { return b.seen.saw_frame("still here"); }));
}

TEST(RedisBus, OwnPublishIsDeliveredLocallyAtOnceAndItsEchoIgnored) {
    redis_server redis;
    node a(redis.url(), "a");
    node b(redis.url(), "b");
    a.bus->subscribe(1);
    ASSERT_TRUE(wait_live(b, a, 1));

    a.bus->publish(event_of(1, 1, "mine"));
    // Synchronously, on this thread, like the local bus.
    ASSERT_EQ(a.seen.messages().size(), 1u);
    EXPECT_EQ(*a.seen.messages()[0].frame, "mine");

    ASSERT_TRUE(eventually([&] { return a.bus->stats().echoes_ignored >= 1; }));
    // A later event from b arrives after the echo would have.
    b.bus->publish(event_of(1, 0, "probe after"));
    ASSERT_TRUE(eventually([&] { return a.seen.saw_frame("probe after"); }));
    EXPECT_EQ(a.seen.messages().size(), 1u) << "the echo from Redis was delivered";
}

TEST(RedisBus, UnsubscribedRoomsAreNotDeliveredLocally) {
    redis_server redis;
    node a(redis.url(), "a");
    a.bus->publish(event_of(1, 1, "nobody here"));
    EXPECT_TRUE(a.seen.events().empty());
    a.bus->subscribe(1);
    a.bus->publish(event_of(1, 2, "someone"));
    EXPECT_EQ(a.seen.events().size(), 1u);
}

TEST(RedisBus, ADownRedisAtStartDoesNotStopLocalDelivery) {
    std::uint16_t port = 0;
    {
        redis_server probe;  // a port that was free a moment ago, now closed again
        port = probe.port();
    }
    node a("redis://127.0.0.1:" + std::to_string(port) + "/0", "a");
    a.bus->subscribe(1);
    a.bus->publish(event_of(1, 1, "local"));
    EXPECT_EQ(a.seen.messages().size(), 1u);
    EXPECT_FALSE(a.bus->connected());
    EXPECT_TRUE(eventually([&] { return a.bus->stats().publish_dropped >= 1; }));
}

TEST(RedisBus, AuthenticatesAndSelectsTheDatabase) {
    redis_server redis({"--requirepass", "s3cret"});
    const auto base = "127.0.0.1:" + std::to_string(redis.port());
    node a("redis://:s3cret@" + base + "/3", "a", true);
    node b("redis://default:s3cret@" + base + "/3", "b");
    b.bus->subscribe(1);
    ASSERT_TRUE(wait_live(a, b, 1));
    EXPECT_TRUE(eventually([&] { return a.bus->connected() && b.bus->connected(); }));

    // Pub/sub ignores the database number, so look at the keys: presence writes to db 3 only.
    ASSERT_TRUE(eventually([&] { return a.presence->connected(); }));
    a.presence->enter(1, rooms::member{10, "Blue Heron", storage::role::student});
    auto keys_in = [&](int db) {
        redisContext* c = redisConnect("127.0.0.1", redis.port());
        if (!c || c->err) {
            if (c) redisFree(c);
            return -1LL;
        }
        long long n = -1;
        const std::vector<std::string> commands = {"AUTH s3cret", "SELECT " + std::to_string(db),
                                                   "DBSIZE"};
        for (const auto& cmd : commands) {
            auto* r = static_cast<redisReply*>(redisCommand(c, cmd.c_str()));
            if (r && r->type == REDIS_REPLY_INTEGER) n = r->integer;
            if (r) freeReplyObject(r);
        }
        redisFree(c);
        return n;
    };
    EXPECT_TRUE(eventually([&] { return keys_in(3) > 0; })) << "presence keys in db 3";
    EXPECT_EQ(keys_in(0), 0) << "nothing in db 0";

    // A wrong password never gets in; the node still serves its own members.
    node c("redis://:wrong@" + base + "/3", "c");
    c.bus->subscribe(1);
    c.bus->publish(event_of(1, 1, "local only"));
    EXPECT_EQ(c.seen.messages().size(), 1u);
    std::this_thread::sleep_for(300ms);
    EXPECT_FALSE(c.bus->connected());
    EXPECT_FALSE(b.seen.saw_frame("local only"));
}

}  // namespace
}  // namespace circles::cluster
