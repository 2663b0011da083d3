// Store rows to wire messages, and the single serialization every recipient shares.
#include "circles/rooms/frames.hpp"

#include <gtest/gtest.h>

namespace circles::rooms {
namespace {

storage::stored_message sample_message() {
    storage::stored_message m;
    m.room = 7;
    m.seq = 42;
    m.epoch = 3;
    m.sender = 11;
    m.sender_display_name = "Blue Heron";
    m.sender_role = storage::role::facilitator;
    m.client_msg_id = "c-42";
    m.text = "hello \xF0\x9F\x8C\x88";
    m.status = storage::message_status::visible;
    m.created_at_ms = 1'700'000'000'123;
    return m;
}

TEST(RoomFrames, FillsEveryMessageField) {
    v1::MessageEvent e;
    fill(e, sample_message());
    EXPECT_EQ(e.room_id(), 7u);
    EXPECT_EQ(e.seq(), 42u);
    EXPECT_EQ(e.epoch(), 3u);
    EXPECT_EQ(e.sender().user_id(), 11u);
    EXPECT_EQ(e.sender().display_name(), "Blue Heron");
    EXPECT_EQ(e.sender().role(), v1::ROLE_FACILITATOR);
    EXPECT_EQ(e.text(), "hello \xF0\x9F\x8C\x88");
    EXPECT_EQ(e.sent_at_ms(), 1'700'000'000'123u);
    EXPECT_EQ(e.client_msg_id(), "c-42");
    EXPECT_EQ(e.status(), v1::MESSAGE_STATUS_VISIBLE);
}

TEST(RoomFrames, RemovedMessageCarriesNoText) {
    auto m = sample_message();
    m.text = "something a facilitator removed";
    m.status = storage::message_status::removed;
    v1::MessageEvent e;
    fill(e, m);
    EXPECT_TRUE(e.text().empty());
    EXPECT_EQ(e.status(), v1::MESSAGE_STATUS_REMOVED);
    EXPECT_EQ(e.seq(), 42u) << "a removed message keeps its place";

    v1::ServerFrame frame;
    *frame.mutable_message() = e;
    const auto bytes = encode(frame);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(bytes->find("something a facilitator removed"), std::string::npos);
}

TEST(RoomFrames, HeldMessageKeepsStatus) {
    auto m = sample_message();
    m.status = storage::message_status::held;
    v1::MessageEvent e;
    fill(e, m);
    EXPECT_EQ(e.status(), v1::MESSAGE_STATUS_HELD);
}

TEST(RoomFrames, MapsEveryRole) {
    EXPECT_EQ(to_proto(storage::role::student), v1::ROLE_STUDENT);
    EXPECT_EQ(to_proto(storage::role::facilitator), v1::ROLE_FACILITATOR);
    EXPECT_EQ(to_proto(storage::role::counselor), v1::ROLE_COUNSELOR);
    EXPECT_EQ(to_proto(storage::role::admin), v1::ROLE_ADMIN);
}

TEST(RoomFrames, FillsMember) {
    v1::Member out;
    fill(out, member{12, "Red Fox", storage::role::counselor});
    EXPECT_EQ(out.user_id(), 12u);
    EXPECT_EQ(out.display_name(), "Red Fox");
    EXPECT_EQ(out.role(), v1::ROLE_COUNSELOR);
}

TEST(RoomFrames, FillsRoom) {
    storage::room r;
    r.id = 7;
    r.school = 1;
    r.name = "GSA";
    r.kind = storage::room_kind::gsa;
    r.epoch = 4;
    r.last_seq = 99;
    v1::Room out;
    fill(out, r);
    EXPECT_EQ(out.room_id(), 7u);
    EXPECT_EQ(out.name(), "GSA");
    EXPECT_EQ(out.kind(), "gsa");
    EXPECT_EQ(out.epoch(), 4u);
    EXPECT_EQ(out.last_seq(), 99u);
}

TEST(RoomFrames, EncodeRoundTrips) {
    v1::ServerFrame frame;
    frame.set_request_id(0);
    fill(*frame.mutable_message(), sample_message());
    const auto bytes = encode(frame);
    ASSERT_TRUE(bytes);
    ASSERT_FALSE(bytes->empty());
    v1::ServerFrame decoded;
    ASSERT_TRUE(decoded.ParseFromString(*bytes));
    ASSERT_EQ(decoded.body_case(), v1::ServerFrame::kMessage);
    EXPECT_EQ(decoded.message().seq(), 42u);
    EXPECT_EQ(decoded.message().text(), "hello \xF0\x9F\x8C\x88");
    EXPECT_EQ(decoded.message().sender().display_name(), "Blue Heron");
    EXPECT_EQ(decoded.message().client_msg_id(), "c-42");
}

TEST(RoomFrames, EncodeRoundTripsPresence) {
    v1::ServerFrame frame;
    auto* p = frame.mutable_presence();
    p->set_room_id(7);
    fill(*p->mutable_member(), member{12, "Red Fox", storage::role::student});
    p->set_present(false);
    v1::ServerFrame decoded;
    ASSERT_TRUE(decoded.ParseFromString(*encode(frame)));
    ASSERT_EQ(decoded.body_case(), v1::ServerFrame::kPresence);
    EXPECT_EQ(decoded.presence().member().display_name(), "Red Fox");
    EXPECT_FALSE(decoded.presence().present());
}

TEST(RoomFrames, ABatchHoldsEachFrameWholeAndInOrder) {
    v1::ServerFrame message;
    fill(*message.mutable_message(), sample_message());
    v1::ServerFrame big;  // a length that takes a three-byte varint
    big.mutable_error()->set_message(std::string(20'000, 'x'));
    v1::ServerFrame pong;
    pong.set_request_id(9);
    pong.mutable_pong();
    const std::vector<std::string> frames = {*encode(message), *encode(big), *encode(pong),
                                             std::string()};  // an empty ServerFrame is valid
    std::vector<std::string_view> views(frames.begin(), frames.end());

    std::string out = "left over from an earlier, longer batch " + std::string(40'000, '?');
    encode_batch(out, views);
    v1::ServerFrame decoded;
    ASSERT_TRUE(decoded.ParseFromString(out));
    ASSERT_EQ(decoded.body_case(), v1::ServerFrame::kBatch);
    EXPECT_EQ(decoded.request_id(), 0u);
    ASSERT_EQ(decoded.batch().frames_size(), 4);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(decoded.batch().frames(i), frames[i]) << i;
    // Byte for byte what protobuf itself writes for the same batch.
    v1::ServerFrame built;
    for (const auto& f : frames) built.mutable_batch()->add_frames(f);
    EXPECT_EQ(out, built.SerializeAsString());

    std::size_t elements = 0;
    for (const auto& f : frames) elements += batch_element_bytes(f.size());
    EXPECT_EQ(elements, built.batch().ByteSizeLong());
    EXPECT_EQ(batch_element_bytes(100), 1u + 1u + 100u);
    EXPECT_EQ(batch_element_bytes(200), 1u + 2u + 200u);

    // The buffer is reused: a shorter batch next leaves nothing of the longer one behind.
    encode_batch(out, std::span(views).subspan(2, 1));
    ASSERT_TRUE(decoded.ParseFromString(out));
    ASSERT_EQ(decoded.batch().frames_size(), 1);
    EXPECT_EQ(decoded.batch().frames(0), frames[2]);
}

}  // namespace
}  // namespace circles::rooms
