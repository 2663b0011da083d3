// Bad input against the real server: each gets a typed error or the right close code, and the
// server keeps serving.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace circles::test {
namespace {

class Limits : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        // The default limits, as a school would run them.
        server_ = new server_process(make_temp_dir() / "data");
        server_->start();
        token_ = new std::string(login(server_->port(), "alex"));
    }
    static void TearDownTestSuite() {
        delete server_;
        delete token_;
    }
    client connect() { return client(server_->port(), *token_, server_->origin()); }
    void expect_still_serving() {
        client c = connect();
        v1::ClientFrame ping;
        ping.mutable_ping()->set_client_time_ms(42);
        auto pong = c.wait_reply(c.send(ping));
        ASSERT_TRUE(pong && pong->has_pong()) << server_->log();
        EXPECT_EQ(pong->pong().client_time_ms(), 42u);
    }
    static server_process* server_;
    static std::string* token_;
};
server_process* Limits::server_ = nullptr;
std::string* Limits::token_ = nullptr;

TEST_F(Limits, WrongOriginGetsNo101) {
    EXPECT_EQ(client::try_upgrade(server_->port(), *token_, "http://evil.example"), 403u);
    EXPECT_EQ(client::try_upgrade(server_->port(), *token_, server_->origin() + ".evil"), 403u);
    EXPECT_EQ(client::try_upgrade(server_->port(), *token_, ""), 403u);
    EXPECT_EQ(client::try_upgrade(server_->port(), *token_, server_->origin()), 101u);
}

TEST_F(Limits, MissingOrWrongTokenGetsNo101) {
    EXPECT_EQ(client::try_upgrade(server_->port(), "", server_->origin()), 401u);
    EXPECT_EQ(client::try_upgrade(server_->port(), "not-a-real-token", server_->origin()), 401u);
}

TEST_F(Limits, OversizeFrameClosesWith1009) {
    client c = connect();
    c.send_raw(std::string(70 * 1024, 'x'));
    EXPECT_EQ(c.wait_closed(), 1009);
    expect_still_serving();
}

TEST_F(Limits, MalformedAndUnknownFramesGetTypedErrors) {
    client c = connect();
    c.send_raw("\xff\xff\xff\xff garbage");
    auto e1 = c.next();
    ASSERT_TRUE(e1 && e1->has_error());
    EXPECT_EQ(e1->error().code(), v1::ERROR_CODE_MALFORMED_FRAME);

    c.send_raw("a text frame", false);
    auto e2 = c.next();
    ASSERT_TRUE(e2 && e2->has_error());
    EXPECT_EQ(e2->error().code(), v1::ERROR_CODE_MALFORMED_FRAME);

    v1::ClientFrame empty;
    empty.set_request_id(77);
    c.send(empty);
    auto e3 = c.wait_reply(77);
    ASSERT_TRUE(e3 && e3->has_error());
    EXPECT_EQ(e3->error().code(), v1::ERROR_CODE_UNKNOWN_FRAME);

    // The connection is still usable after answered mistakes.
    v1::ClientFrame ping;
    ping.mutable_ping();
    auto pong = c.wait_reply(c.send(ping));
    EXPECT_TRUE(pong && pong->has_pong());
}

// Sends the malformed frames that reach the limit, one answer at a time or all together, and
// expects each answered before the 1008 close: the client learns why.
void expect_each_answered_then_closed(client& c, bool together) {
    constexpr int limit = 20;  // max_protocol_errors, by default
    const auto answered = [&c](int i) {
        auto e = c.next();
        ASSERT_TRUE(e && e->has_error()) << "no answer to malformed frame " << i + 1;
        EXPECT_EQ(e->error().code(), v1::ERROR_CODE_MALFORMED_FRAME);
    };
    for (int i = 0; i < limit; ++i) {
        c.send_raw("\xff\xff");
        if (!together) answered(i);
    }
    for (int i = 0; together && i < limit; ++i) answered(i);
    EXPECT_EQ(c.wait_closed(), 1008);
}

TEST_F(Limits, TheLastMalformedFrameIsAnsweredBeforeTheClose) {
    client c = connect();
    expect_each_answered_then_closed(c, false);
}

// Sent together, the frames are read while earlier answers are still being written: answers
// wait behind a write in flight, and still go out before the close.
TEST_F(Limits, MalformedFramesSentTogetherAreAllAnsweredBeforeTheClose) {
    client c = connect();
    expect_each_answered_then_closed(c, true);
}

TEST_F(Limits, RepeatedMalformedFramesCloseWith1008) {
    client c = connect();
    for (int i = 0; i < 40 && !c.closed(); ++i) c.send_raw("\xff\xff");
    EXPECT_EQ(c.wait_closed(), 1008);
}

TEST_F(Limits, EmptyAndOversizeTextsAreRefusedByCode) {
    client c = connect();
    const auto room = c.room_id("Peer Network");
    ASSERT_TRUE(c.join(room).has_joined());
    auto empty = c.send_text(room, "empty-1", "   \n ");
    ASSERT_TRUE(empty.has_error());
    EXPECT_EQ(empty.error().code(), v1::ERROR_CODE_EMPTY_MESSAGE);
    EXPECT_EQ(empty.error().client_msg_id(), "empty-1");
    auto big = c.send_text(room, "big-1", std::string(c.hello().max_message_bytes() + 1, 'a'));
    ASSERT_TRUE(big.has_error());
    EXPECT_EQ(big.error().code(), v1::ERROR_CODE_MESSAGE_TOO_LARGE);
    auto no_id = c.send_text(room, "", "hello");
    ASSERT_TRUE(no_id.has_error());
    EXPECT_EQ(no_id.error().code(), v1::ERROR_CODE_INVALID_ARGUMENT);
}

TEST_F(Limits, FloodOfSendsGetsRateLimitedNeverSilence) {
    const auto token = login(server_->port(), "casey");
    client c(server_->port(), token, server_->origin());
    const auto room = c.room_id("GSA");
    ASSERT_TRUE(c.join(room).has_joined());
    constexpr int flood = 40;
    std::vector<std::uint64_t> ids;
    for (int i = 0; i < flood; ++i) {
        v1::ClientFrame f;
        f.mutable_send()->set_room_id(room);
        f.mutable_send()->set_client_msg_id("flood-" + std::to_string(i));
        f.mutable_send()->set_text("message " + std::to_string(i));
        ids.push_back(c.send(f));
    }
    int acked = 0, limited = 0;
    for (auto id : ids) {
        auto r = c.wait_reply(id);
        ASSERT_TRUE(r) << "send " << id << " got no answer";
        if (r->has_ack()) {
            ++acked;
        } else {
            ASSERT_TRUE(r->has_error());
            EXPECT_EQ(r->error().code(), v1::ERROR_CODE_RATE_LIMITED);
            EXPECT_GT(r->error().retry_after_ms(), 0u);
            ++limited;
        }
    }
    EXPECT_GE(acked, 1);
    EXPECT_GE(limited, 1);
    EXPECT_EQ(acked + limited, flood);
    expect_still_serving();
}

TEST(SlowConsumer, IsClosedWith1008AndOthersAreServed) {
    // A small outbound queue so a reader that never reads is quick to show.
    server_process server(make_temp_dir() / "data",
                          "[limits]\nqueue_limit_frames = 8\nqueue_limit_bytes = 65536\n"
                          "frame_rate_per_second = 1000.0\nframe_burst = 1000.0\n");
    server.start();
    // A room with a few large messages makes every history reply ~24 KB.
    const auto sam_token = login(server.port(), "sam");
    client sam(server.port(), sam_token, server.origin());
    const auto room = sam.room_id("Peer Network");
    ASSERT_TRUE(sam.join(room).has_joined());
    for (int i = 0; i < 6; ++i) {
        std::string big;  // ~3.9 KB of ordinary words, no long runs, different each time
        while (big.size() < 3900)
            big += "word" + std::to_string(i) + "-" + std::to_string(big.size()) + " ";
        ASSERT_TRUE(sam.send_text(room, "big-" + std::to_string(i), big).has_ack());
    }
    // A reader that never reads: ask for far more than the socket buffers and the 8-frame
    // outbound queue can hold.
    client slow(server.port(), login(server.port(), "alex"), server.origin());
    ASSERT_TRUE(slow.join(room).has_joined());
    v1::ClientFrame f;
    f.mutable_history()->set_room_id(room);
    f.mutable_history()->set_limit(200);
    for (int i = 0; i < 800; ++i) {
        try {
            slow.send(f);
        } catch (const beast::system_error&) {
            break;  // the server closed on us mid-flood: that is the point
        }
    }
    EXPECT_EQ(slow.wait_closed(30s), 1008);
    // The room goes on for everyone else.
    ASSERT_TRUE(sam.send_text(room, "after-slow", "still here").has_ack());
}

}  // namespace
}  // namespace circles::test

namespace circles::test {
namespace {

// The server pings a connection after half its idle timeout and closes it at the full timeout
// if nothing came back. The lively client must answer within half a period, which only the
// scheduler decides, so the period is long enough for a loaded machine.
TEST(IdleTimeout, SilentConnectionIsClosedAndAnsweringOneStays) {
    server_process server(make_temp_dir() / "data", "[limits]\nidle_timeout_seconds = 5\n");
    server.start();
    const auto token = login(server.port(), "alex");
    client silent(server.port(), token, server.origin());
    client lively(server.port(), token, server.origin());
    // The lively client reads (and so answers the server's pings) for two idle periods.
    v1::ClientFrame never;
    never.mutable_ping();
    EXPECT_FALSE(lively.wait_for([](const v1::ServerFrame&) { return false; }, 10s));
    EXPECT_FALSE(lively.closed()) << "a client that answers pings must stay connected";
    // The silent one read nothing in that time: the server must have dropped it.
    silent.wait_closed(3s);
    EXPECT_TRUE(silent.closed());
    auto pong = lively.wait_reply(lively.send(never));
    EXPECT_TRUE(pong && pong->has_pong());
}

// A login lasts session_ttl_seconds: a socket opened with it is closed when it ends, with the
// close code that sends the web client to its login page, and the token opens no new one.
TEST(SessionExpiry, AnOpenSocketIsClosedWith4401WhenItsLoginEnds) {
    server_process server(make_temp_dir() / "data", "[limits]\nsession_ttl_seconds = 6\n");
    server.start();
    const auto first = login(server.port(), "alex");
    const auto logged_in = std::chrono::steady_clock::now();  // the session began before this
    client alex(server.port(), first, server.origin());
    std::this_thread::sleep_for(3s);
    // A later login, opened while the first is still live, lasts its own six seconds.
    const auto second = login(server.port(), "sam");
    client sam(server.port(), second, server.origin());
    EXPECT_EQ(alex.wait_closed(20s), 4401);
    // Not before the end (6 s after the login, less the time the login's answer took to come).
    EXPECT_GE(std::chrono::steady_clock::now() - logged_in, 5s) << "closed before the expiry";
    EXPECT_FALSE(sam.closed()) << "a login that has not ended keeps its socket";
    EXPECT_EQ(client::try_upgrade(server.port(), first, server.origin()), 401u);
    EXPECT_EQ(sam.wait_closed(20s), 4401);
}

// Ended sessions are deleted from the store when the server starts (and every hour): they
// are refused anyway. A live one is kept and still opens a socket.
TEST(SessionPurge, EndedSessionsAreDeletedWhenTheServerStarts) {
    const auto data = make_temp_dir() / "data";
    server_process server(data);
    server.start();
    login(server.port(), "alex");
    const auto live = login(server.port(), "sam");
    ASSERT_EQ(server.stop(SIGTERM), 0) << server.log();
    const auto db = data / "circles.db";
    ASSERT_EQ(sqlite_scalar(db, "SELECT count(*) FROM sessions"), "2");
    // Alex's login ended long ago.
    ASSERT_TRUE(sqlite_exec(db,
                            "UPDATE sessions SET expires_at_ms = 1 WHERE user_id = "
                            "(SELECT id FROM users WHERE username = 'alex')"));

    server.start();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (sqlite_scalar(db, "SELECT count(*) FROM sessions") != "1" &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(sqlite_scalar(db, "SELECT count(*) FROM sessions"), "1");
    EXPECT_EQ(
        sqlite_scalar(db, "SELECT u.username FROM sessions s JOIN users u ON u.id = s.user_id"),
        "sam");
    client sam(server.port(), live, server.origin());
    EXPECT_TRUE(sam.hello().has_me());
}

}  // namespace
}  // namespace circles::test
