// The in-process bus: a publish reaches the handler only while its room is subscribed.
#include "circles/rooms/bus.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "fakes.hpp"

namespace circles::rooms {
namespace {

using testing::event_for;

struct local_bus_fixture {
    std::unique_ptr<bus> b = make_local_bus();
    std::vector<room_event> received;
    local_bus_fixture() {
        b->set_handler([this](const room_event& ev) { received.push_back(ev); });
    }
};

TEST(LocalBus, PublishToUnsubscribedRoomIsNotDelivered) {
    local_bus_fixture f;
    f.b->publish(event_for(1, 1));
    EXPECT_TRUE(f.received.empty());
}

TEST(LocalBus, SubscribedRoomIsDeliveredWithItsFrame) {
    local_bus_fixture f;
    f.b->subscribe(1);
    f.b->publish(event_for(1, 5, "frame bytes"));
    ASSERT_EQ(f.received.size(), 1u);
    EXPECT_EQ(f.received[0].room, 1);
    EXPECT_EQ(f.received[0].seq, 5u);
    ASSERT_TRUE(f.received[0].frame);
    EXPECT_EQ(*f.received[0].frame, "frame bytes");
}

TEST(LocalBus, DeliversTheSameSharedBuffer) {
    local_bus_fixture f;
    f.b->subscribe(1);
    auto ev = event_for(1, 1, "x");
    const auto* buffer = ev.frame.get();
    f.b->publish(ev);
    ASSERT_EQ(f.received.size(), 1u);
    EXPECT_EQ(f.received[0].frame.get(), buffer);
}

TEST(LocalBus, OnlySubscribedRoomsAreDelivered) {
    local_bus_fixture f;
    f.b->subscribe(1);
    f.b->publish(event_for(2, 1));
    f.b->publish(event_for(1, 1));
    f.b->publish(event_for(3, 1));
    ASSERT_EQ(f.received.size(), 1u);
    EXPECT_EQ(f.received[0].room, 1);
}

TEST(LocalBus, UnsubscribeStopsDelivery) {
    local_bus_fixture f;
    f.b->subscribe(1);
    f.b->publish(event_for(1, 1));
    f.b->unsubscribe(1);
    f.b->publish(event_for(1, 2));
    ASSERT_EQ(f.received.size(), 1u);
    EXPECT_EQ(f.received[0].seq, 1u);
}

TEST(LocalBus, ResubscribeDeliversAgain) {
    local_bus_fixture f;
    f.b->subscribe(1);
    f.b->unsubscribe(1);
    f.b->subscribe(1);
    f.b->publish(event_for(1, 3));
    ASSERT_EQ(f.received.size(), 1u);
    EXPECT_EQ(f.received[0].seq, 3u);
}

TEST(LocalBus, PublishWithoutHandlerIsHarmless) {
    auto b = make_local_bus();
    b->subscribe(1);
    b->publish(event_for(1, 1));
    SUCCEED();
}

TEST(LocalBus, HandlerMayPublishToAnotherRoom) {
    // The handler runs outside the bus lock: a handler that publishes must not deadlock.
    auto b = make_local_bus();
    std::vector<storage::room_id> seen;
    b->set_handler([&](const room_event& ev) {
        seen.push_back(ev.room);
        if (ev.room == 1) b->publish(event_for(2, 1));
    });
    b->subscribe(1);
    b->subscribe(2);
    b->publish(event_for(1, 1));
    EXPECT_EQ(seen, (std::vector<storage::room_id>{1, 2}));
}

}  // namespace
}  // namespace circles::rooms
