// The bus envelope: what one node writes, every other reads back exactly; anything else is
// refused rather than misread.
#include <gtest/gtest.h>

#include "circles/cluster/bus_envelope.hpp"

namespace circles::cluster {
namespace {

rooms::room_event sample() {
    std::string frame("\x08\x01\x12\x00 binary \xff frame", 20);
    return rooms::room_event{42, 1234567, std::make_shared<const std::string>(frame),
                             storage::message_status::held, 99};
}

TEST(BusEnvelope, RoundTripsEveryField) {
    const auto ev = sample();
    const auto bytes = encode_envelope("node-a", ev);
    auto back = decode_envelope(bytes);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->origin, "node-a");
    EXPECT_EQ(back->event.room, 42);
    EXPECT_EQ(back->event.seq, 1234567u);
    EXPECT_EQ(back->event.status, storage::message_status::held);
    EXPECT_EQ(back->event.sender, 99);
    ASSERT_TRUE(back->event.frame);
    EXPECT_EQ(*back->event.frame, *ev.frame);
}

TEST(BusEnvelope, IsCompact) {
    const auto ev = sample();
    EXPECT_EQ(encode_envelope("node-a", ev).size(), 27u + 6u + ev.frame->size());
}

TEST(BusEnvelope, AnEventWithoutAFrameHasAnEmptyOne) {
    rooms::room_event ev;
    ev.room = 1;
    auto back = decode_envelope(encode_envelope("n", ev));
    ASSERT_TRUE(back);
    ASSERT_TRUE(back->event.frame);
    EXPECT_TRUE(back->event.frame->empty());
    EXPECT_EQ(back->event.seq, 0u);
}

TEST(BusEnvelope, RefusesWhatItCannotRead) {
    const auto bytes = encode_envelope("node-a", sample());
    EXPECT_FALSE(decode_envelope(""));
    EXPECT_FALSE(decode_envelope(bytes.substr(0, 20))) << "truncated";
    auto other_version = bytes;
    other_version[0] = 2;
    EXPECT_FALSE(decode_envelope(other_version));
    auto no_origin = bytes;
    no_origin[1] = 0;
    EXPECT_FALSE(decode_envelope(no_origin));
    auto bad_status = bytes;
    bad_status[2 + 6 + 16] = 9;
    EXPECT_FALSE(decode_envelope(bad_status));
}

}  // namespace
}  // namespace circles::cluster
