// The wire protocol: every ClientFrame and ServerFrame body survives encode/decode, and
// decoding tolerates what proto3 must tolerate and refuses what it must refuse.
#include <gtest/gtest.h>

#include <string>

#include "circles/v1/circles.pb.h"

namespace circles::v1 {
namespace {

template <class Frame>
Frame round_trip(const Frame& in) {
    std::string bytes;
    EXPECT_TRUE(in.SerializeToString(&bytes));
    Frame out;
    EXPECT_TRUE(out.ParseFromString(bytes));
    return out;
}

template <class Frame>
bool same_bytes(const Frame& a, const Frame& b) {
    std::string x, y;
    a.SerializeToString(&x);
    b.SerializeToString(&y);
    return x == y;
}

// Appends a varint-encoded value.
void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

void fill_member(Member& m, std::uint64_t id, const std::string& name, Role r) {
    m.set_user_id(id);
    m.set_display_name(name);
    m.set_role(r);
}

void fill_event(MessageEvent& e, std::uint64_t seq) {
    e.set_room_id(7);
    e.set_seq(seq);
    e.set_epoch(2);
    fill_member(*e.mutable_sender(), 11, "Blue Heron", ROLE_STUDENT);
    e.set_text("hello \xF0\x9F\x8C\x88");
    e.set_sent_at_ms(1'700'000'000'000ULL);
    e.set_client_msg_id("c-" + std::to_string(seq));
    e.set_status(MESSAGE_STATUS_VISIBLE);
}

// ---- ClientFrame -------------------------------------------------------------------------

TEST(ClientFrame, JoinRoundTrips) {
    ClientFrame f;
    f.set_request_id(1);
    auto* j = f.mutable_join();
    j->set_room_id(7);
    j->mutable_resume()->set_last_seq(41);
    j->mutable_resume()->set_epoch(3);
    j->set_history_limit(25);
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ClientFrame::kJoin);
    EXPECT_EQ(out.request_id(), 1u);
    EXPECT_EQ(out.join().room_id(), 7u);
    ASSERT_TRUE(out.join().has_resume());
    EXPECT_EQ(out.join().resume().last_seq(), 41u);
    EXPECT_EQ(out.join().resume().epoch(), 3u);
    EXPECT_EQ(out.join().history_limit(), 25u);
}

TEST(ClientFrame, JoinWithoutResumeHasNoResume) {
    ClientFrame f;
    f.mutable_join()->set_room_id(7);
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ClientFrame::kJoin);
    EXPECT_FALSE(out.join().has_resume());
}

TEST(ClientFrame, LeaveRoundTrips) {
    ClientFrame f;
    f.set_request_id(2);
    f.mutable_leave()->set_room_id(9);
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ClientFrame::kLeave);
    EXPECT_EQ(out.request_id(), 2u);
    EXPECT_EQ(out.leave().room_id(), 9u);
}

TEST(ClientFrame, HistoryRoundTrips) {
    ClientFrame f;
    f.set_request_id(3);
    auto* h = f.mutable_history();
    h->set_room_id(7);
    h->set_before_seq(100);
    h->set_limit(50);
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ClientFrame::kHistory);
    EXPECT_EQ(out.history().room_id(), 7u);
    EXPECT_EQ(out.history().before_seq(), 100u);
    EXPECT_EQ(out.history().limit(), 50u);
}

TEST(ClientFrame, SendRoundTrips) {
    ClientFrame f;
    f.set_request_id(4);
    auto* s = f.mutable_send();
    s->set_room_id(7);
    s->set_client_msg_id("3f2b6c1e-0000-4000-8000-000000000001");
    s->set_text("caf\xC3\xA9 \xF0\x9F\x92\x9C");
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ClientFrame::kSend);
    EXPECT_EQ(out.send().room_id(), 7u);
    EXPECT_EQ(out.send().client_msg_id(), "3f2b6c1e-0000-4000-8000-000000000001");
    EXPECT_EQ(out.send().text(), "caf\xC3\xA9 \xF0\x9F\x92\x9C");
}

TEST(ClientFrame, PingRoundTrips) {
    ClientFrame f;
    f.set_request_id(5);
    f.mutable_ping()->set_client_time_ms(123456789);
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ClientFrame::kPing);
    EXPECT_EQ(out.ping().client_time_ms(), 123456789u);
}

TEST(ClientFrame, ListRoomsRoundTripsThoughEmpty) {
    ClientFrame f;
    f.set_request_id(6);
    f.mutable_list_rooms();
    const auto out = round_trip(f);
    EXPECT_EQ(out.body_case(), ClientFrame::kListRooms);
    EXPECT_EQ(out.request_id(), 6u);
}

TEST(ClientFrame, SettingAnotherBodyReplacesTheFirst) {
    ClientFrame f;
    f.mutable_join()->set_room_id(7);
    f.mutable_leave()->set_room_id(8);
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ClientFrame::kLeave);
    EXPECT_FALSE(out.has_join());
}

TEST(ClientFrame, NoBodyIsBodyNotSet) {
    ClientFrame f;
    f.set_request_id(8);
    const auto out = round_trip(f);
    EXPECT_EQ(out.body_case(), ClientFrame::BODY_NOT_SET);
    EXPECT_EQ(out.request_id(), 8u);

    ClientFrame empty;
    ASSERT_TRUE(empty.ParseFromString(""));
    EXPECT_EQ(empty.body_case(), ClientFrame::BODY_NOT_SET);
}

TEST(ClientFrame, UnknownFieldIsTolerated) {
    ClientFrame f;
    f.set_request_id(9);
    f.mutable_ping()->set_client_time_ms(5);
    std::string bytes;
    ASSERT_TRUE(f.SerializeToString(&bytes));
    // Field 99, varint: a body a newer client might send.
    put_varint(bytes, (99u << 3) | 0);
    put_varint(bytes, 12345);
    // Field 100, length-delimited.
    put_varint(bytes, (100u << 3) | 2);
    put_varint(bytes, 3);
    bytes += "abc";

    ClientFrame out;
    ASSERT_TRUE(out.ParseFromString(bytes));
    EXPECT_EQ(out.request_id(), 9u);
    ASSERT_EQ(out.body_case(), ClientFrame::kPing);
    EXPECT_EQ(out.ping().client_time_ms(), 5u);
}

TEST(ClientFrame, OnlyAnUnknownBodyIsBodyNotSet) {
    std::string bytes;
    put_varint(bytes, (1u << 3) | 0);  // request_id = 4
    put_varint(bytes, 4);
    put_varint(bytes, (50u << 3) | 2);  // an unknown message body
    put_varint(bytes, 0);
    ClientFrame out;
    ASSERT_TRUE(out.ParseFromString(bytes));
    EXPECT_EQ(out.request_id(), 4u);
    EXPECT_EQ(out.body_case(), ClientFrame::BODY_NOT_SET);
}

TEST(ClientFrame, GarbageFailsToParse) {
    ClientFrame f;
    EXPECT_FALSE(f.ParseFromString(std::string("\xff\xff\xff")));
}

TEST(ClientFrame, TruncatedFrameFailsToParse) {
    ClientFrame f;
    f.set_request_id(1);
    f.mutable_send()->set_text("a message long enough to cut");
    std::string bytes;
    ASSERT_TRUE(f.SerializeToString(&bytes));
    bytes.resize(bytes.size() - 5);
    ClientFrame out;
    EXPECT_FALSE(out.ParseFromString(bytes));
}

TEST(ClientFrame, InvalidUtf8InAStringFailsToParse) {
    // proto3 strings must be UTF-8: build a SendMessage whose text is "\xC0\xAF" by hand.
    std::string send;
    put_varint(send, (3u << 3) | 2);
    put_varint(send, 2);
    send += "\xC0\xAF";
    std::string bytes;
    put_varint(bytes, (13u << 3) | 2);
    put_varint(bytes, send.size());
    bytes += send;
    ClientFrame out;
    EXPECT_FALSE(out.ParseFromString(bytes));
}

// ---- ServerFrame -------------------------------------------------------------------------

TEST(ServerFrame, ErrorRoundTrips) {
    ServerFrame f;
    f.set_request_id(4);
    auto* e = f.mutable_error();
    e->set_code(ERROR_CODE_RATE_LIMITED);
    e->set_message("slow down");
    e->set_retry_after_ms(500);
    e->set_room_id(7);
    e->set_client_msg_id("c-1");
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ServerFrame::kError);
    EXPECT_EQ(out.request_id(), 4u);
    EXPECT_EQ(out.error().code(), ERROR_CODE_RATE_LIMITED);
    EXPECT_EQ(out.error().message(), "slow down");
    EXPECT_EQ(out.error().retry_after_ms(), 500u);
    EXPECT_EQ(out.error().room_id(), 7u);
    EXPECT_EQ(out.error().client_msg_id(), "c-1");
}

TEST(ServerFrame, HelloRoundTrips) {
    ServerFrame f;
    auto* h = f.mutable_hello();
    fill_member(*h->mutable_me(), 11, "Blue Heron", ROLE_FACILITATOR);
    h->set_server_time_ms(1'700'000'000'000ULL);
    h->set_max_frame_bytes(65536);
    h->set_max_message_bytes(4000);
    h->set_node_id("node1");
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ServerFrame::kHello);
    EXPECT_EQ(out.hello().me().user_id(), 11u);
    EXPECT_EQ(out.hello().me().display_name(), "Blue Heron");
    EXPECT_EQ(out.hello().me().role(), ROLE_FACILITATOR);
    EXPECT_EQ(out.hello().server_time_ms(), 1'700'000'000'000ULL);
    EXPECT_EQ(out.hello().max_frame_bytes(), 65536u);
    EXPECT_EQ(out.hello().max_message_bytes(), 4000u);
    EXPECT_EQ(out.hello().node_id(), "node1");
}

TEST(ServerFrame, JoinedRoundTrips) {
    ServerFrame f;
    f.set_request_id(1);
    auto* j = f.mutable_joined();
    auto* r = j->mutable_room();
    r->set_room_id(7);
    r->set_name("Peer Network");
    r->set_kind("peer_network");
    r->set_epoch(2);
    r->set_last_seq(42);
    j->set_recovered(true);
    fill_event(*j->add_messages(), 41);
    fill_event(*j->add_messages(), 42);
    j->set_has_more(true);
    fill_member(*j->add_present(), 11, "Blue Heron", ROLE_STUDENT);
    fill_member(*j->add_present(), 12, "Red Fox", ROLE_COUNSELOR);
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ServerFrame::kJoined);
    EXPECT_TRUE(same_bytes(out, f));
    EXPECT_EQ(out.joined().room().name(), "Peer Network");
    EXPECT_EQ(out.joined().room().last_seq(), 42u);
    EXPECT_TRUE(out.joined().recovered());
    ASSERT_EQ(out.joined().messages_size(), 2);
    EXPECT_EQ(out.joined().messages(0).seq(), 41u);
    EXPECT_EQ(out.joined().messages(1).seq(), 42u);
    EXPECT_EQ(out.joined().messages(1).text(), "hello \xF0\x9F\x8C\x88");
    EXPECT_TRUE(out.joined().has_more());
    ASSERT_EQ(out.joined().present_size(), 2);
    EXPECT_EQ(out.joined().present(1).display_name(), "Red Fox");
    EXPECT_EQ(out.joined().present(1).role(), ROLE_COUNSELOR);
}

TEST(ServerFrame, LeftRoundTrips) {
    ServerFrame f;
    f.set_request_id(2);
    f.mutable_left()->set_room_id(7);
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ServerFrame::kLeft);
    EXPECT_EQ(out.left().room_id(), 7u);
}

TEST(ServerFrame, HistoryRoundTrips) {
    ServerFrame f;
    f.set_request_id(3);
    auto* h = f.mutable_history();
    h->set_room_id(7);
    for (std::uint64_t s = 1; s <= 3; ++s) fill_event(*h->add_messages(), s);
    h->set_has_more(false);
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ServerFrame::kHistory);
    EXPECT_EQ(out.history().room_id(), 7u);
    ASSERT_EQ(out.history().messages_size(), 3);
    EXPECT_EQ(out.history().messages(2).seq(), 3u);
    EXPECT_EQ(out.history().messages(2).client_msg_id(), "c-3");
    EXPECT_FALSE(out.history().has_more());
}

TEST(ServerFrame, AckRoundTrips) {
    ServerFrame f;
    f.set_request_id(4);
    auto* a = f.mutable_ack();
    a->set_room_id(7);
    a->set_seq(43);
    a->set_epoch(2);
    a->set_client_msg_id("c-43");
    a->set_duplicate(true);
    a->set_sent_at_ms(99);
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ServerFrame::kAck);
    EXPECT_EQ(out.ack().seq(), 43u);
    EXPECT_EQ(out.ack().epoch(), 2u);
    EXPECT_EQ(out.ack().client_msg_id(), "c-43");
    EXPECT_TRUE(out.ack().duplicate());
    EXPECT_EQ(out.ack().sent_at_ms(), 99u);
}

TEST(ServerFrame, MessageRoundTrips) {
    ServerFrame f;
    fill_event(*f.mutable_message(), 44);
    f.mutable_message()->set_status(MESSAGE_STATUS_HELD);
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ServerFrame::kMessage);
    EXPECT_EQ(out.request_id(), 0u);
    const auto& m = out.message();
    EXPECT_EQ(m.room_id(), 7u);
    EXPECT_EQ(m.seq(), 44u);
    EXPECT_EQ(m.epoch(), 2u);
    EXPECT_EQ(m.sender().user_id(), 11u);
    EXPECT_EQ(m.sender().display_name(), "Blue Heron");
    EXPECT_EQ(m.text(), "hello \xF0\x9F\x8C\x88");
    EXPECT_EQ(m.sent_at_ms(), 1'700'000'000'000ULL);
    EXPECT_EQ(m.client_msg_id(), "c-44");
    EXPECT_EQ(m.status(), MESSAGE_STATUS_HELD);
}

TEST(ServerFrame, RemovedRoundTrips) {
    ServerFrame f;
    auto* r = f.mutable_removed();
    r->set_room_id(7);
    r->set_seq(12);
    r->set_reason("ground rule 2");
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ServerFrame::kRemoved);
    EXPECT_EQ(out.removed().room_id(), 7u);
    EXPECT_EQ(out.removed().seq(), 12u);
    EXPECT_EQ(out.removed().reason(), "ground rule 2");
}

TEST(ServerFrame, PresenceRoundTrips) {
    ServerFrame f;
    auto* p = f.mutable_presence();
    p->set_room_id(7);
    fill_member(*p->mutable_member(), 12, "Red Fox", ROLE_ADMIN);
    p->set_present(true);
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ServerFrame::kPresence);
    EXPECT_EQ(out.presence().room_id(), 7u);
    EXPECT_EQ(out.presence().member().user_id(), 12u);
    EXPECT_EQ(out.presence().member().role(), ROLE_ADMIN);
    EXPECT_TRUE(out.presence().present());
}

TEST(ServerFrame, PongRoundTrips) {
    ServerFrame f;
    f.set_request_id(5);
    f.mutable_pong()->set_client_time_ms(10);
    f.mutable_pong()->set_server_time_ms(20);
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ServerFrame::kPong);
    EXPECT_EQ(out.pong().client_time_ms(), 10u);
    EXPECT_EQ(out.pong().server_time_ms(), 20u);
}

TEST(ServerFrame, RoomsRoundTrips) {
    ServerFrame f;
    f.set_request_id(6);
    auto* list = f.mutable_rooms();
    for (std::uint64_t id : {7u, 8u}) {
        auto* r = list->add_rooms();
        r->set_room_id(id);
        r->set_name("room " + std::to_string(id));
        r->set_kind("gsa");
        r->set_epoch(1);
    }
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ServerFrame::kRooms);
    ASSERT_EQ(out.rooms().rooms_size(), 2);
    EXPECT_EQ(out.rooms().rooms(0).room_id(), 7u);
    EXPECT_EQ(out.rooms().rooms(1).name(), "room 8");
    EXPECT_EQ(out.rooms().rooms(1).kind(), "gsa");
}

TEST(ServerFrame, EmptyRoomListStillHasItsBody) {
    ServerFrame f;
    f.mutable_rooms();
    const auto out = round_trip(f);
    EXPECT_EQ(out.body_case(), ServerFrame::kRooms);
    EXPECT_EQ(out.rooms().rooms_size(), 0);
}

TEST(ServerFrame, NoBodyIsBodyNotSet) {
    ServerFrame f;
    f.set_request_id(3);
    const auto out = round_trip(f);
    EXPECT_EQ(out.body_case(), ServerFrame::BODY_NOT_SET);
    EXPECT_EQ(out.request_id(), 3u);
}

TEST(ServerFrame, UnknownFieldIsTolerated) {
    ServerFrame f;
    f.set_request_id(1);
    f.mutable_left()->set_room_id(7);
    std::string bytes;
    ASSERT_TRUE(f.SerializeToString(&bytes));
    put_varint(bytes, (77u << 3) | 2);
    put_varint(bytes, 4);
    bytes += "new!";
    ServerFrame out;
    ASSERT_TRUE(out.ParseFromString(bytes));
    ASSERT_EQ(out.body_case(), ServerFrame::kLeft);
    EXPECT_EQ(out.left().room_id(), 7u);
}

TEST(ServerFrame, UnknownEnumValueIsKeptOpen) {
    // proto3 enums are open: a newer server's error code reaches an older client as a number.
    ServerFrame f;
    f.mutable_error()->set_code(static_cast<ErrorCode>(999));
    const auto out = round_trip(f);
    ASSERT_EQ(out.body_case(), ServerFrame::kError);
    EXPECT_EQ(static_cast<int>(out.error().code()), 999);
}

TEST(ServerFrame, GarbageFailsToParse) {
    ServerFrame f;
    EXPECT_FALSE(f.ParseFromString(std::string("\xff\xff\xff")));
}

}  // namespace
}  // namespace circles::v1
