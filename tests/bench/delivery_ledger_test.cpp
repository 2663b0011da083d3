// Loss and duplicate accounting: every member expects every window message of its room once.
#include "circles/bench/delivery_ledger.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace circles::bench {
namespace {

// A room of clients 0..n-1, each expecting all of them (itself included).
struct room_fixture {
    explicit room_fixture(std::uint32_t n) : sent(n), received(n) {
        for (auto& r : received) {
            for (std::uint32_t s = 0; s < n; ++s) r.expect_sender(s);
        }
    }
    delivery_summary reconcile_all() const {
        std::vector<const receive_log*> recipients;
        for (const auto& r : received) recipients.push_back(&r);
        return reconcile(sent, recipients);
    }
    void deliver_everywhere(std::uint32_t sender, std::uint32_t seq) {
        for (auto& r : received) r.on_received(sender, seq);
    }
    std::vector<send_log> sent;
    std::vector<receive_log> received;
};

TEST(DeliveryLedger, EverythingOnceIsNeitherLostNorDuplicated) {
    room_fixture room(3);
    for (std::uint32_t s = 0; s < 3; ++s) {
        for (std::uint32_t seq = 0; seq < 10; ++seq) {
            room.sent[s].on_sent(seq);
            room.deliver_everywhere(s, seq);
        }
    }
    const auto d = room.reconcile_all();
    EXPECT_EQ(d.expected, 3u * 3u * 10u);
    EXPECT_EQ(d.delivered, d.expected);
    EXPECT_EQ(d.lost, 0u);
    EXPECT_EQ(d.duplicated, 0u);
    EXPECT_EQ(d.unexpected, 0u);
}

TEST(DeliveryLedger, AMessageOneMemberMissedIsLostOnce) {
    room_fixture room(3);
    room.sent[0].on_sent(0);
    room.sent[0].on_sent(1);
    room.deliver_everywhere(0, 0);
    room.received[0].on_received(0, 1);
    room.received[1].on_received(0, 1);  // client 2 never gets (0, 1)
    const auto d = room.reconcile_all();
    EXPECT_EQ(d.expected, 6u);
    EXPECT_EQ(d.delivered, 5u);
    EXPECT_EQ(d.lost, 1u);
}

TEST(DeliveryLedger, TheLastMessagesOfASenderCountWhenNobodyGotThem) {
    room_fixture room(2);
    for (std::uint32_t seq = 0; seq < 5; ++seq) room.sent[1].on_sent(seq);
    room.deliver_everywhere(1, 0);  // seq 1..4 never arrive anywhere
    EXPECT_EQ(room.reconcile_all().lost, 2u * 4u);
}

TEST(DeliveryLedger, ExtraCopiesAreDuplicates) {
    room_fixture room(2);
    room.sent[0].on_sent(0);
    room.deliver_everywhere(0, 0);
    EXPECT_EQ(room.received[1].on_received(0, 0), receive_log::outcome::duplicate);
    room.received[1].on_received(0, 0);
    const auto d = room.reconcile_all();
    EXPECT_EQ(d.delivered, 2u);
    EXPECT_EQ(d.duplicated, 2u);
    EXPECT_EQ(d.lost, 0u);
}

TEST(DeliveryLedger, ARefusedSendIsNotExpectedButACopyOfItIsUnexpected) {
    room_fixture room(2);
    room.sent[0].on_sent(0);
    room.sent[0].on_sent(1);
    EXPECT_TRUE(room.sent[0].on_refused(1));   // e.g. RATE_LIMITED
    EXPECT_FALSE(room.sent[0].on_refused(1));  // once
    room.deliver_everywhere(0, 0);
    auto d = room.reconcile_all();
    EXPECT_EQ(d.expected, 2u);
    EXPECT_EQ(d.lost, 0u);
    EXPECT_EQ(d.unexpected, 0u);
    room.received[1].on_received(0, 1);  // refused, yet delivered
    d = room.reconcile_all();
    EXPECT_EQ(d.unexpected, 1u);
    EXPECT_EQ(room.sent[0].refused_count(), 1u);
    EXPECT_EQ(room.sent[0].sent_count(), 2u);
}

TEST(DeliveryLedger, ARefusalOfAMessageOutsideTheWindowChangesNothing) {
    send_log log;
    EXPECT_FALSE(log.on_refused(3));
    EXPECT_EQ(log.refused_count(), 0u);
    EXPECT_FALSE(log.expected(3));
    log.on_sent(3);
    log.on_sent(3);  // counted once
    EXPECT_EQ(log.sent_count(), 1u);
}

TEST(DeliveryLedger, AMessageFromOutsideTheRoomIsForeign) {
    receive_log log;
    log.expect_sender(4);
    log.expect_sender(4);  // once is enough
    EXPECT_EQ(log.by_sender().size(), 1u);
    EXPECT_EQ(log.on_received(9, 0), receive_log::outcome::foreign);
    EXPECT_EQ(log.on_received(4, 0), receive_log::outcome::first);
    EXPECT_EQ(log.copies(4, 0), 1u);
    EXPECT_EQ(log.copies(9, 0), 0u);
}

TEST(DeliveryLedger, CopiesSaturateWithoutWrapping) {
    room_fixture room(1);
    room.sent[0].on_sent(0);
    for (int i = 0; i < 600; ++i) room.received[0].on_received(0, 0);
    EXPECT_EQ(room.received[0].copies(0, 0), 255u);
    const auto d = room.reconcile_all();
    EXPECT_EQ(d.delivered, 1u);
    EXPECT_EQ(d.duplicated, 254u);
}

TEST(DeliveryLedger, RecipientsLeftOutExpectNothing) {
    room_fixture room(3);
    room.sent[0].on_sent(0);
    room.received[0].on_received(0, 0);
    std::vector<const receive_log*> only_first = {&room.received[0]};
    const auto d = reconcile(room.sent, only_first);
    EXPECT_EQ(d.expected, 1u);
    EXPECT_EQ(d.lost, 0u);
}

}  // namespace
}  // namespace circles::bench
