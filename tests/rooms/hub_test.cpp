// The hub: weak references to subscribers per room, delivery to the live ones, and the bus
// subscribed while the node has at least one local member of a room.
#include "circles/rooms/hub.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "fakes.hpp"

namespace circles::rooms {
namespace {

using testing::event_for;
using testing::recording_bus;
using testing::recording_subscriber;
using call = recording_bus::call;

TEST(RoomHub, DeliversToAllLiveSubscribers) {
    recording_bus b;
    hub h(b);
    auto a = std::make_shared<recording_subscriber>();
    auto c = std::make_shared<recording_subscriber>();
    h.add(1, a);
    h.add(1, c);
    h.dispatch(event_for(1, 7, "frame"));
    ASSERT_EQ(a->events().size(), 1u);
    ASSERT_EQ(c->events().size(), 1u);
    EXPECT_EQ(a->events()[0].seq, 7u);
    EXPECT_EQ(*c->events()[0].frame, "frame");
    // One shared buffer, not a copy per subscriber.
    EXPECT_EQ(a->events()[0].frame.get(), c->events()[0].frame.get());
}

TEST(RoomHub, DeliversOnlyToTheEventsRoom) {
    recording_bus b;
    hub h(b);
    auto in1 = std::make_shared<recording_subscriber>();
    auto in2 = std::make_shared<recording_subscriber>();
    h.add(1, in1);
    h.add(2, in2);
    h.dispatch(event_for(1, 1));
    EXPECT_EQ(in1->events().size(), 1u);
    EXPECT_TRUE(in2->events().empty());
}

TEST(RoomHub, DispatchToRoomWithoutSubscribersIsHarmless) {
    recording_bus b;
    hub h(b);
    h.dispatch(event_for(9, 1));
    EXPECT_EQ(h.local_count(9), 0u);
}

TEST(RoomHub, BroadcastSkipsExpiredSubscribers) {
    recording_bus b;
    hub h(b);
    auto live = std::make_shared<recording_subscriber>();
    auto gone = std::make_shared<recording_subscriber>();
    std::weak_ptr<recording_subscriber> gone_ref = gone;
    h.add(1, live);
    h.add(1, gone);
    gone.reset();  // the connection closed without leaving
    ASSERT_TRUE(gone_ref.expired());
    h.dispatch(event_for(1, 1));
    EXPECT_EQ(live->events().size(), 1u);
}

TEST(RoomHub, DoesNotKeepSubscribersAlive) {
    recording_bus b;
    hub h(b);
    auto s = std::make_shared<recording_subscriber>();
    std::weak_ptr<recording_subscriber> ref = s;
    h.add(1, s);
    s.reset();
    EXPECT_TRUE(ref.expired());
}

TEST(RoomHub, SubscribesTheBusOnFirstAddOnly) {
    recording_bus b;
    hub h(b);
    auto a = std::make_shared<recording_subscriber>();
    auto c = std::make_shared<recording_subscriber>();
    h.add(1, a);
    h.add(1, c);
    EXPECT_EQ(b.calls(), (std::vector<call>{{call::subscribe, 1}}));
    EXPECT_EQ(h.local_count(1), 2u);
}

TEST(RoomHub, UnsubscribesTheBusOnLastRemoveOnly) {
    recording_bus b;
    hub h(b);
    auto a = std::make_shared<recording_subscriber>();
    auto c = std::make_shared<recording_subscriber>();
    h.add(1, a);
    h.add(1, c);
    h.remove(1, a.get());
    EXPECT_EQ(b.calls(), (std::vector<call>{{call::subscribe, 1}}));
    EXPECT_EQ(h.local_count(1), 1u);
    h.remove(1, c.get());
    EXPECT_EQ(b.calls(), (std::vector<call>{{call::subscribe, 1}, {call::unsubscribe, 1}}));
    EXPECT_EQ(h.local_count(1), 0u);
}

TEST(RoomHub, RemovedSubscriberGetsNothingMore) {
    recording_bus b;
    hub h(b);
    auto a = std::make_shared<recording_subscriber>();
    auto c = std::make_shared<recording_subscriber>();
    h.add(1, a);
    h.add(1, c);
    h.remove(1, a.get());
    h.dispatch(event_for(1, 1));
    EXPECT_TRUE(a->events().empty());
    EXPECT_EQ(c->events().size(), 1u);
}

TEST(RoomHub, RemoveOfUnknownRoomOrSubscriberIsHarmless) {
    recording_bus b;
    hub h(b);
    auto a = std::make_shared<recording_subscriber>();
    auto stranger = std::make_shared<recording_subscriber>();
    h.remove(5, a.get());
    EXPECT_TRUE(b.calls().empty());
    h.add(1, a);
    h.remove(1, stranger.get());
    EXPECT_EQ(b.calls(), (std::vector<call>{{call::subscribe, 1}}));
    EXPECT_EQ(h.local_count(1), 1u);
}

TEST(RoomHub, AddAfterAllSubscribersExpiredStillDeliversAndUnsubscribes) {
    // Subscribers that vanished without remove() leave an empty list behind; the next add
    // must still deliver, and its remove must leave the bus unsubscribed.
    recording_bus b;
    hub h(b);
    auto gone = std::make_shared<recording_subscriber>();
    h.add(1, gone);
    gone.reset();
    auto next = std::make_shared<recording_subscriber>();
    h.add(1, next);
    EXPECT_TRUE(b.subscribed(1));
    h.dispatch(event_for(1, 1));
    EXPECT_EQ(next->events().size(), 1u);
    EXPECT_EQ(h.local_count(1), 1u);
    h.remove(1, next.get());
    EXPECT_EQ(h.local_count(1), 0u);
    EXPECT_FALSE(b.subscribed(1));
    ASSERT_FALSE(b.calls().empty());
    EXPECT_EQ(b.calls().back(), (call{call::unsubscribe, 1}));
}

TEST(RoomHub, RemovingTheLastLiveSubscriberAlsoDropsExpiredOnes) {
    recording_bus b;
    hub h(b);
    auto live = std::make_shared<recording_subscriber>();
    auto gone = std::make_shared<recording_subscriber>();
    h.add(1, gone);
    h.add(1, live);
    gone.reset();
    h.remove(1, live.get());
    EXPECT_EQ(h.local_count(1), 0u);
    EXPECT_FALSE(b.subscribed(1));
}

TEST(RoomHub, RoomsSubscribeIndependently) {
    recording_bus b;
    hub h(b);
    auto a = std::make_shared<recording_subscriber>();
    h.add(1, a);
    h.add(2, a);
    h.remove(1, a.get());
    EXPECT_EQ(b.calls(), (std::vector<call>{
                             {call::subscribe, 1}, {call::subscribe, 2}, {call::unsubscribe, 1}}));
    h.dispatch(event_for(2, 1));
    EXPECT_EQ(a->events().size(), 1u);
}

TEST(RoomHub, SubscriberMayRemoveItselfWhileBeingDelivered) {
    // Delivery happens outside the hub lock, so a subscriber reacting to an event by leaving
    // must not deadlock.
    recording_bus b;
    hub h(b);
    auto a = std::make_shared<recording_subscriber>();
    a->on_deliver = [&h, raw = a.get()](const room_event& ev) { h.remove(ev.room, raw); };
    h.add(1, a);
    h.dispatch(event_for(1, 1));
    EXPECT_EQ(a->events().size(), 1u);
    EXPECT_EQ(h.local_count(1), 0u);
}

}  // namespace
}  // namespace circles::rooms
