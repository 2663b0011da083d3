// Moderation through the real server: a disclosure is always escalated durably and answered
// with support, held messages reach only facilitators and their sender, identity statements
// pass, and no rate limit stands between a student and a counselor.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "harness.hpp"

namespace circles::test {
namespace {

long long count_rows(const std::filesystem::path& db_file, const std::string& sql) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    sqlite3_stmt* stmt = nullptr;
    long long n = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
        n = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
}

class Moderation : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        // One send per user at a time, so the rate limit is easy to reach.
        server_ = new server_process(make_temp_dir() / "data",
                                     "[limits]\nsend_rate_per_second = 0.05\nsend_burst = 3.0\n");
        server_->start();
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    client connect(const std::string& user) {
        return client(server_->port(), login(server_->port(), user), server_->origin());
    }
    static server_process* server_;
};
server_process* Moderation::server_ = nullptr;

bool escalated(const v1::ServerFrame& f) {
    if (f.has_ack()) return f.ack().escalated();
    return f.has_error() && f.error().code() == v1::ERROR_CODE_BLOCKED_BY_POLICY &&
           f.error().escalated();
}

std::string reply_text(const v1::ServerFrame& f) {
    return f.has_ack() ? f.ack().notice() : f.error().message();
}

TEST_F(Moderation, DisclosureIsEscalatedDurablyAndAnsweredWithSupport) {
    client riley = connect("riley");
    const auto room = riley.room_id("Peer Network");
    ASSERT_TRUE(riley.join(room).has_joined());
    const auto before =
        count_rows(server_->data_dir() / "circles.db", "SELECT count(*) FROM escalations");
    auto r = riley.send_text(room, "risk-1", "ive been saving my pills so i can take them all");
    ASSERT_TRUE(escalated(r)) << r.DebugString();
    EXPECT_FALSE(reply_text(r).empty()) << "the student always gets a supportive reply";
    // Durable before the answer: the row is there as soon as the answer is.
    EXPECT_EQ(count_rows(server_->data_dir() / "circles.db", "SELECT count(*) FROM escalations"),
              before + 1);
}

// Its own server: the suite's tight send rate would stop the sends before flooding does.
TEST(Flooding, RepeatsAndMentionSpamAreRefusedCitingTheFloodRule) {
    server_process server(make_temp_dir() / "data");
    server.start();
    client jordan(server.port(), login(server.port(), "jordan"), server.origin());
    const auto room = jordan.room_id("Peer Network");
    ASSERT_TRUE(jordan.join(room).has_joined());
    ASSERT_TRUE(jordan.send_text(room, "rep-1", "does anyone want to study later").has_ack());
    const auto again = jordan.send_text(room, "rep-2", "Does anyone want to study later?");
    ASSERT_TRUE(again.has_error()) << again.DebugString();
    EXPECT_EQ(again.error().code(), v1::ERROR_CODE_BLOCKED_BY_POLICY);
    EXPECT_EQ(again.error().ground_rule(), 5u) << "the default policy's flooding rule";
    EXPECT_FALSE(again.error().message().empty());
    const auto spam = jordan.send_text(room, "rep-3", "@a @b @c @d @e @f @g look at this");
    ASSERT_TRUE(spam.has_error()) << spam.DebugString();
    EXPECT_EQ(spam.error().code(), v1::ERROR_CODE_BLOCKED_BY_POLICY);
    EXPECT_EQ(spam.error().ground_rule(), 5u);
}

TEST_F(Moderation, IdentityStatementsPassEverywhere) {
    client casey = connect("casey");
    for (const char* name : {"GSA", "Peer Network"}) {
        const auto room = casey.room_id(name);
        ASSERT_TRUE(casey.join(room).has_joined());
        auto r = casey.send_text(room, std::string("proud-") + name, "I'm gay and proud");
        ASSERT_TRUE(r.has_ack()) << name << ": " << r.DebugString();
        EXPECT_EQ(r.ack().status(), v1::MESSAGE_STATUS_VISIBLE);
        EXPECT_FALSE(r.ack().escalated()) << "an identity term is never a risk signal";
    }
}

TEST_F(Moderation, HeldMessageReachesFacilitatorAndSenderOnly) {
    client jordan = connect("jordan");
    client sam = connect("sam");
    client facilitator = connect("facilitator");
    const auto room = jordan.room_id("Lunch Bunch");
    ASSERT_TRUE(jordan.join(room).has_joined());
    ASSERT_TRUE(sam.join(room).has_joined());
    ASSERT_TRUE(facilitator.join(room).has_joined());

    auto held = jordan.send_text(room, "held-1", "text me at 555-867-5309 after school");
    ASSERT_TRUE(held.has_ack()) << held.DebugString();
    ASSERT_EQ(held.ack().status(), v1::MESSAGE_STATUS_HELD);
    EXPECT_FALSE(held.ack().notice().empty());
    auto seen = facilitator.wait_for([&](const v1::ServerFrame& f) {
        return f.has_message() && f.message().seq() == held.ack().seq();
    });
    ASSERT_TRUE(seen) << "the facilitator must see the held message";
    EXPECT_EQ(seen->message().status(), v1::MESSAGE_STATUS_HELD);

    auto visible = jordan.send_text(room, "after-held", "see you at lunch");
    ASSERT_TRUE(visible.has_ack());
    auto next = sam.wait_for([](const v1::ServerFrame& f) { return f.has_message(); });
    ASSERT_TRUE(next);
    EXPECT_EQ(next->message().seq(), visible.ack().seq())
        << "a student must never receive a held message";
    // History does not hand it out either.
    v1::ClientFrame history;
    history.mutable_history()->set_room_id(room);
    auto page = sam.wait_reply(sam.send(history));
    ASSERT_TRUE(page && page->has_history());
    for (const auto& m : page->history().messages()) EXPECT_NE(m.seq(), held.ack().seq());
}

TEST_F(Moderation, RateLimitNeverStopsADisclosure) {
    client alex = connect("alex");
    const auto room = alex.room_id("GSA");
    ASSERT_TRUE(alex.join(room).has_joined());
    bool limited = false;
    for (int i = 0; i < 6 && !limited; ++i) {
        auto r = alex.send_text(room, "chat-" + std::to_string(i), "hello again");
        limited = r.has_error() && r.error().code() == v1::ERROR_CODE_RATE_LIMITED;
    }
    ASSERT_TRUE(limited) << "the test needs the sender to be rate-limited first";
    auto r = alex.send_text(room, "risk-2", "i dont want to be alive anymore");
    ASSERT_TRUE(escalated(r)) << r.DebugString();
}

}  // namespace
}  // namespace circles::test
