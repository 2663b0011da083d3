// Redis is SIGKILLed while a node publishes, then restarted empty on the same port: every
// node keeps serving its own members, reconnects with backoff, subscribes again, says so
// through on_reconnected, and events flow between nodes again.
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "redis_server.hpp"
#include "test_support.hpp"

namespace circles::cluster {
namespace {

using namespace testing;

TEST(RedisReconnect, BusReconnectsResubscribesAndDeliversAgain) {
    redis_server redis;
    node a(redis.url(), "a");
    node b(redis.url(), "b");
    a.bus->subscribe(1);
    b.bus->subscribe(1);
    ASSERT_TRUE(wait_live(a, b, 1));
    ASSERT_TRUE(wait_live(b, a, 1));

    std::atomic<storage::seq_t> seq{0};
    std::atomic<bool> publishing{true};
    std::thread publisher([&] {
        while (publishing) {
            const auto s = ++seq;
            a.bus->publish(event_of(1, s, "event " + std::to_string(s)));
            std::this_thread::sleep_for(2ms);
        }
    });
    ASSERT_TRUE(eventually([&] { return b.seen.messages().size() >= 10; }));

    // (A node whose rooms were subscribed before its first connect hears on_reconnected
    // then too: count only what the outage adds.)
    const int a_reconnects = a.bus_reconnects;
    const int b_reconnects = b.bus_reconnects;
    const auto b_subscribed = b.times_subscribed(1);
    redis.kill();
    ASSERT_TRUE(eventually([&] { return !a.bus->connected() && !b.bus->connected(); }));
    // Local delivery goes on in the dark.
    const auto local_before = a.seen.messages().size();
    const auto remote_before = b.seen.messages().size();
    EXPECT_TRUE(eventually([&] { return a.seen.messages().size() > local_before + 10; }));
    EXPECT_LE(b.seen.messages().size(), remote_before + 1) << "nothing can cross without Redis";

    redis.restart();
    const auto restarted_at = seq.load();
    ASSERT_TRUE(eventually(
        [&] { return a.bus_reconnects > a_reconnects && b.bus_reconnects > b_reconnects; }));
    ASSERT_TRUE(eventually([&] { return a.bus->connected() && b.bus->connected(); }));
    // Room 1 was subscribed again, and said so.
    EXPECT_TRUE(eventually([&] { return b.times_subscribed(1) == b_subscribed + 1; }));
    // Later events flow again.
    ASSERT_TRUE(eventually([&] {
        for (const auto& ev : b.seen.messages()) {
            if (ev.seq > restarted_at) return true;
        }
        return false;
    }));
    publishing = false;
    publisher.join();

    // Exactly once: no seq twice (the bus is at-most-once; gaps are the store's job).
    std::set<storage::seq_t> seen;
    for (const auto& ev : b.seen.messages()) {
        EXPECT_TRUE(seen.insert(ev.seq).second) << "seq " << ev.seq << " twice";
    }
    // Every event reached a's own members, outage or not.
    EXPECT_EQ(a.seen.messages().size(), seq.load());
    EXPECT_EQ(a.bus->stats().reconnects, static_cast<std::uint64_t>(a.bus_reconnects));
    EXPECT_GE(a.bus->stats().publish_dropped, 1u) << "publishes during the outage";
}

TEST(RedisReconnect, PresenceIsAnnouncedAgainAfterRedisRestarts) {
    redis_server redis;
    node a(redis.url(), "a", true);
    node b(redis.url(), "b", true);
    ASSERT_TRUE(a.presence->enter(1, {10, "Blue Heron", storage::role::student}));
    ASSERT_TRUE(eventually([&] { return b.presence->present(1).size() == 1; }));

    ASSERT_TRUE(eventually([&] { return a.presence->connected() && b.presence->connected(); }));
    EXPECT_EQ(a.presence_reconnects, 0) << "the first connect is not a reconnect";
    redis.kill();
    ASSERT_TRUE(eventually([&] { return !a.presence->connected() && !b.presence->connected(); }));
    // Served from memory while Redis is away; enter and exit still answer.
    EXPECT_EQ(a.presence->present(1).size(), 1u);
    EXPECT_TRUE(a.presence->enter(1, {20, "Green Owl", storage::role::facilitator}));
    EXPECT_TRUE(a.presence->enter(1, {30, "Red Fox", storage::role::counselor}));
    EXPECT_TRUE(a.presence->exit(1, 10)) << "the heron's tab closes while Redis is away";
    EXPECT_EQ(a.presence->present(1).size(), 2u);

    redis.restart();  // empty: every presence key is gone
    ASSERT_TRUE(
        eventually([&] { return a.presence_reconnects >= 1 && b.presence_reconnects >= 1; }));
    ASSERT_TRUE(eventually([&] { return a.presence->connected() && b.presence->connected(); }));
    // Node a wrote its members back, including the ones that came during the outage, and b's
    // reload dropped the one that left: its exit never reached Redis.
    EXPECT_TRUE(eventually([&] {
        const auto here = b.presence->present(1);
        return here.size() == 2 && here[0].id == 20 && here[1].id == 30;
    }));
    // And b told its clients so: the changes came in an announcement or in the reload.
    EXPECT_TRUE(eventually([&] {
        return b.heard.of(1, 10) == "+-" && b.heard.of(1, 20) == "+" && b.heard.of(1, 30) == "+";
    })) << b.heard.of(1, 10)
        << " " << b.heard.of(1, 20) << " " << b.heard.of(1, 30);
    EXPECT_EQ(a.heard.of(1, 10), "+-");
}

TEST(RedisReconnect, AHungRedisIsDroppedAfterTheCommandTimeoutAndRejoined) {
    redis_server redis;
    node a(redis.url(), "a");
    node b(redis.url(), "b");
    a.bus->subscribe(1);
    b.bus->subscribe(1);
    ASSERT_TRUE(wait_live(a, b, 1));
    ASSERT_TRUE(eventually([&] { return a.bus->connected(); }));

    redis.pause();
    a.bus->publish(event_of(1, 1, "into the void"));
    EXPECT_EQ(a.seen.messages().size(), 1u) << "local delivery does not wait for Redis";
    // The PUBLISH gets no reply: past the command timeout the connection is dropped, and a
    // new one is not "up" until Redis answers.
    ASSERT_TRUE(eventually([&] { return !a.bus->connected(); }, 3s));
    std::this_thread::sleep_for(300ms);
    EXPECT_FALSE(a.bus->connected());

    redis.resume();
    ASSERT_TRUE(eventually([&] { return a.bus->connected() && b.bus->connected(); }));
    a.bus->publish(event_of(1, 2, "after the hang"));
    EXPECT_TRUE(eventually([&] { return b.seen.saw_frame("after the hang"); }));
}

}  // namespace
}  // namespace circles::cluster
