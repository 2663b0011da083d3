// Engine.IO v4 / Socket.IO v5 framing: what a Socket.IO 4 server sends, and what it accepts.
#include "circles/bench/socketio_frame.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace circles::bench::socketio {
namespace {

TEST(SocketIoFrame, ParsesTheOpenPacket) {
    const std::string text =
        R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})";
    const auto f = parse(text);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->engine, engine_type::open);
    EXPECT_FALSE(f->type);
    const auto info = parse_open(f->engine_data);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->sid, "lv_VI97HAXpY6yYWAAAC");
    EXPECT_EQ(info->ping_interval.count(), 25000);
    EXPECT_EQ(info->ping_timeout.count(), 20000);
    EXPECT_FALSE(parse_open(R"({"pingInterval":1})"));
    EXPECT_FALSE(parse_open("not json"));
}

TEST(SocketIoFrame, ParsesPingCloseAndNoop) {
    EXPECT_EQ(parse("2")->engine, engine_type::ping);
    EXPECT_EQ(parse("1")->engine, engine_type::close);
    EXPECT_EQ(parse("6")->engine, engine_type::noop);
    EXPECT_EQ(parse("3probe")->engine_data, "probe");
}

TEST(SocketIoFrame, ParsesConnectWithAndWithoutData) {
    auto f = parse("40");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->engine, engine_type::message);
    EXPECT_EQ(f->type, packet_type::connect);
    EXPECT_EQ(f->nsp, "/");
    EXPECT_TRUE(f->json.empty());
    f = parse(R"(40{"sid":"wZX3oN0bSVIhsaknAAAI"})");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->type, packet_type::connect);
    EXPECT_FALSE(f->ack_id);
    EXPECT_EQ(f->json, R"({"sid":"wZX3oN0bSVIhsaknAAAI"})");
    f = parse(R"(44{"message":"Not authorized"})");
    EXPECT_EQ(f->type, packet_type::connect_error);
}

TEST(SocketIoFrame, ParsesEventsWithAndWithoutAckIds) {
    auto f = parse(R"(42["msg",{"id":"b1.1.2.3","text":"hi"}])");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->type, packet_type::event);
    EXPECT_FALSE(f->ack_id);
    auto ev = parse_event(f->json);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->name, "msg");
    EXPECT_EQ(ev->arg.at("id").as_string(), "b1.1.2.3");

    f = parse(R"(4212["join","r3"])");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->ack_id, 12u);
    ev = parse_event(f->json);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->name, "join");
    EXPECT_EQ(ev->arg.as_string(), "r3");

    ev = parse_event(R"(["ping"])");
    ASSERT_TRUE(ev);
    EXPECT_TRUE(ev->arg.is_null());
    EXPECT_FALSE(parse_event(R"([1,2])"));
    EXPECT_FALSE(parse_event(R"({"a":1})"));
    EXPECT_FALSE(parse_event("["));
}

TEST(SocketIoFrame, ParsesAcks) {
    const auto f = parse(R"(437[{"id":"b1.0.5.99"}])");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->type, packet_type::ack);
    EXPECT_EQ(f->ack_id, 7u);
    EXPECT_EQ(f->json, R"([{"id":"b1.0.5.99"}])");
}

TEST(SocketIoFrame, ParsesNamespacesAndBinaryAttachments) {
    auto f = parse(R"(42/admin,3["x",1])");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->nsp, "/admin");
    EXPECT_EQ(f->ack_id, 3u);
    EXPECT_EQ(f->json, R"(["x",1])");
    f = parse("40/admin");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->nsp, "/admin");
    f = parse(R"(451-["up",{"_placeholder":true,"num":0}])");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->type, packet_type::binary_event);
    EXPECT_EQ(f->json, R"(["up",{"_placeholder":true,"num":0}])");
    EXPECT_FALSE(parse(R"(45["up"])"));  // a binary packet without its attachment count
}

TEST(SocketIoFrame, RefusesWhatIsNotEngineIo) {
    EXPECT_FALSE(parse(""));
    EXPECT_FALSE(parse("7"));
    EXPECT_FALSE(parse("x"));
    EXPECT_FALSE(parse("4"));
    EXPECT_FALSE(parse("49"));
    EXPECT_FALSE(parse("4x"));
    EXPECT_FALSE(parse(R"(4299999999999999999999999["a"])"));  // ack id overflows
}

TEST(SocketIoFrame, FormatsWhatTheServerParses) {
    EXPECT_EQ(format_connect(), "40");
    EXPECT_EQ(format_pong(), "3");
    EXPECT_EQ(format_event("join", R"("r1")", 1), R"(421["join","r1"])");
    EXPECT_EQ(format_event("msg", R"({"id":"x"})"), R"(42["msg",{"id":"x"}])");
    EXPECT_EQ(format_event("bye", ""), R"(42["bye"])");
    EXPECT_EQ(format_event("we\"ird", "1", 0), R"(420["we\"ird",1])");
    // Round trip through the parser.
    const std::string text = format_event("msg", R"({"id":"b1.2.3.4","text":"a \"quote\""})", 99);
    const auto f = parse(text);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->ack_id, 99u);
    const auto ev = parse_event(f->json);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->arg.at("text").as_string(), "a \"quote\"");
}

}  // namespace
}  // namespace circles::bench::socketio
