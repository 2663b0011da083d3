// Students chatting through the real server: order, idempotency, membership, resume, presence.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace circles::test {
namespace {

// One demo server shared by the tests of this suite (seeding it hashes eight passwords).
class Chat : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        // Generous send limits: these tests are about chat, limits_test.cpp about limits.
        server_ =
            new server_process(make_temp_dir() / "data",
                               "[limits]\nsend_rate_per_second = 100.0\nsend_burst = 200.0\n");
        server_->start();
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    client connect(const std::string& user) {
        return client(server_->port(), login(server_->port(), user), server_->origin());
    }
    static std::string unique(const std::string& base) {
        static int n = 0;
        return base + "-" + std::to_string(++n) + "-" +
               std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    }
    static server_process* server_;
};
server_process* Chat::server_ = nullptr;

bool is_message(const v1::ServerFrame& f) { return f.has_message(); }

TEST_F(Chat, TwoStudentsExchangeMessagesInOrder) {
    client alex = connect("alex");
    client sam = connect("sam");
    EXPECT_EQ(alex.hello().me().display_name(), "Blue Heron");
    const auto room = alex.room_id("Lunch Bunch");
    ASSERT_NE(room, 0u);
    ASSERT_TRUE(alex.join(room).has_joined());
    ASSERT_TRUE(sam.join(room).has_joined());

    constexpr int count = 6;  // within the per-user burst
    std::vector<std::string> texts;
    for (int i = 0; i < count; ++i) {
        texts.push_back(unique("hello from alex"));
        auto ack = alex.send_text(room, unique("cmid"), texts.back());
        ASSERT_TRUE(ack.has_ack()) << ack.DebugString();
    }
    std::uint64_t last_seq = 0;
    for (int i = 0; i < count; ++i) {
        auto m = sam.wait_for(is_message);
        ASSERT_TRUE(m) << "message " << i << " did not arrive";
        EXPECT_EQ(m->message().text(), texts[i]);
        EXPECT_EQ(m->message().sender().display_name(), "Blue Heron");
        if (last_seq) {
            EXPECT_EQ(m->message().seq(), last_seq + 1);
        }
        last_seq = m->message().seq();
    }
    const auto reply = unique("hi alex, sam here");
    ASSERT_TRUE(sam.send_text(room, unique("cmid"), reply).has_ack());
    auto got = alex.wait_for(
        [&](const v1::ServerFrame& f) { return f.has_message() && f.message().text() == reply; });
    ASSERT_TRUE(got);
    EXPECT_EQ(got->message().sender().display_name(), "Quiet Fox");
    EXPECT_EQ(got->message().seq(), last_seq + 1);
    // A student never sees another's username.
    EXPECT_EQ(got->DebugString().find("sam\""), std::string::npos);
}

TEST_F(Chat, AUserWithoutRoomsGetsAnEmptyList) {
    client counselor = connect("counselor");  // a member of no room
    v1::ClientFrame list;
    list.mutable_list_rooms();
    auto reply = counselor.wait_reply(counselor.send(list));
    ASSERT_TRUE(reply) << "no answer";
    ASSERT_TRUE(reply->has_rooms()) << "the answer is a list, empty: " << reply->DebugString();
    EXPECT_EQ(reply->rooms().rooms_size(), 0);
}

TEST_F(Chat, RetriedClientMsgIdIsStoredOnce) {
    client alex = connect("alex");
    const auto room = alex.room_id("GSA");
    ASSERT_TRUE(alex.join(room).has_joined());
    const auto cmid = unique("retry");
    const auto text = unique("only once please");
    auto first = alex.send_text(room, cmid, text);
    auto second = alex.send_text(room, cmid, text);
    ASSERT_TRUE(first.has_ack());
    ASSERT_TRUE(second.has_ack());
    EXPECT_FALSE(first.ack().duplicate());
    EXPECT_TRUE(second.ack().duplicate());
    EXPECT_EQ(first.ack().seq(), second.ack().seq());

    client riley = connect("riley");
    auto joined = riley.join(room);
    ASSERT_TRUE(joined.has_joined());
    int copies = 0;
    for (const auto& m : joined.joined().messages()) copies += m.text() == text ? 1 : 0;
    EXPECT_EQ(copies, 1);
}

TEST_F(Chat, NonMemberIsRefused) {
    client riley = connect("riley");  // not in Lunch Bunch
    client alex = connect("alex");
    const auto room = alex.room_id("Lunch Bunch");
    EXPECT_EQ(riley.room_id("Lunch Bunch"), 0u) << "a non-member must not see the room listed";

    auto join = riley.join(room);
    ASSERT_TRUE(join.has_error());
    EXPECT_EQ(join.error().code(), v1::ERROR_CODE_NOT_A_MEMBER);

    auto send = riley.send_text(room, unique("cmid"), "let me in");
    ASSERT_TRUE(send.has_error());
    EXPECT_EQ(send.error().code(), v1::ERROR_CODE_NOT_A_MEMBER);

    v1::ClientFrame history;
    history.mutable_history()->set_room_id(room);
    auto page = riley.wait_reply(riley.send(history));
    ASSERT_TRUE(page && page->has_error());
    EXPECT_EQ(page->error().code(), v1::ERROR_CODE_NOT_A_MEMBER);

    auto missing = riley.join(999999);
    ASSERT_TRUE(missing.has_error());
    EXPECT_EQ(missing.error().code(), v1::ERROR_CODE_ROOM_NOT_FOUND);
}

TEST_F(Chat, SendBeforeJoinIsRefused) {
    client sam = connect("sam");
    const auto room = sam.room_id("Peer Network");
    auto r = sam.send_text(room, unique("cmid"), "too early");
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code(), v1::ERROR_CODE_NOT_JOINED);
}

TEST_F(Chat, ResumeReplaysExactlyTheMissedMessages) {
    client alex = connect("alex");
    const auto room = alex.room_id("Peer Network");
    ASSERT_TRUE(alex.join(room).has_joined());
    v1::Resume resume;
    {
        client jordan = connect("jordan");
        auto joined = jordan.join(room);
        ASSERT_TRUE(joined.has_joined());
        resume.set_last_seq(joined.joined().room().last_seq());
        resume.set_epoch(joined.joined().room().epoch());
    }  // jordan goes offline
    std::vector<std::string> missed;
    for (int i = 0; i < 3; ++i) {
        missed.push_back(unique("while you were away"));
        ASSERT_TRUE(alex.send_text(room, unique("cmid"), missed.back()).has_ack());
    }
    client jordan = connect("jordan");
    auto back = jordan.join(room, resume);
    ASSERT_TRUE(back.has_joined());
    EXPECT_TRUE(back.joined().recovered());
    ASSERT_EQ(back.joined().messages_size(), 3);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(back.joined().messages(i).seq(), resume.last_seq() + 1 + i);
        EXPECT_EQ(back.joined().messages(i).text(), missed[i]);
    }

    // A resume from another epoch cannot be replayed: the client must reload.
    client casey = connect("casey");
    v1::Resume stale;
    stale.set_last_seq(1);
    stale.set_epoch(resume.epoch() + 7);
    auto reload = casey.join(room, stale);
    ASSERT_TRUE(reload.has_joined());
    EXPECT_FALSE(reload.joined().recovered());
    ASSERT_GT(reload.joined().messages_size(), 0);
    EXPECT_EQ(reload.joined().messages(reload.joined().messages_size() - 1).text(), missed.back());
}

TEST_F(Chat, PresenceFollowsJoinAndDisconnect) {
    client sam = connect("sam");
    const auto room = sam.room_id("Lunch Bunch");
    ASSERT_TRUE(sam.join(room).has_joined());
    {
        client jordan = connect("jordan");
        auto joined = jordan.join(room);
        ASSERT_TRUE(joined.has_joined());
        bool sees_sam = false;
        for (const auto& m : joined.joined().present()) sees_sam |= m.display_name() == "Quiet Fox";
        EXPECT_TRUE(sees_sam);
        auto came = sam.wait_for([](const v1::ServerFrame& f) {
            return f.has_presence() && f.presence().member().display_name() == "Maple Leaf";
        });
        ASSERT_TRUE(came);
        EXPECT_TRUE(came->presence().present());
    }
    auto left = sam.wait_for([](const v1::ServerFrame& f) {
        return f.has_presence() && f.presence().member().display_name() == "Maple Leaf" &&
               !f.presence().present();
    });
    EXPECT_TRUE(left) << "a disconnect must reach the room as presence=false";
}

TEST_F(Chat, HistoryPagesBackwards) {
    client casey = connect("casey");
    const auto room = casey.room_id("GSA");
    ASSERT_TRUE(casey.join(room).has_joined());
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(casey.send_text(room, unique("cmid"), unique("page")).has_ack());
    }
    v1::ClientFrame newest;
    newest.mutable_history()->set_room_id(room);
    newest.mutable_history()->set_limit(2);
    auto page1 = casey.wait_reply(casey.send(newest));
    ASSERT_TRUE(page1 && page1->has_history());
    ASSERT_EQ(page1->history().messages_size(), 2);
    EXPECT_TRUE(page1->history().has_more());
    const auto oldest = page1->history().messages(0).seq();
    EXPECT_EQ(page1->history().messages(1).seq(), oldest + 1);

    v1::ClientFrame older;
    older.mutable_history()->set_room_id(room);
    older.mutable_history()->set_before_seq(oldest);
    older.mutable_history()->set_limit(2);
    auto page2 = casey.wait_reply(casey.send(older));
    ASSERT_TRUE(page2 && page2->has_history());
    ASSERT_EQ(page2->history().messages_size(), 2);
    EXPECT_EQ(page2->history().messages(1).seq(), oldest - 1);
}

TEST_F(Chat, LogoutEndsTheSession) {
    const auto token = login(server_->port(), "riley");
    client riley(server_->port(), token, server_->origin());
    auto out = http_request(server_->port(), http::verb::post, "/api/logout", {},
                            {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(out.status, 204u);
    EXPECT_EQ(riley.wait_closed(), 4401) << "the open socket of a logged-out session is closed";
    EXPECT_EQ(client::try_upgrade(server_->port(), token, server_->origin()), 401u);
    auto me = http_request(server_->port(), http::verb::get, "/api/me", {},
                           {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(me.status, 401u);
}

TEST_F(Chat, LoginRefusesWrongPasswordAndBadJson) {
    auto wrong = http_request(server_->port(), http::verb::post, "/api/login",
                              R"({"username":"alex","password":"not-it"})");
    EXPECT_EQ(wrong.status, 401u);
    EXPECT_NE(wrong.body.find("bad_credentials"), std::string::npos);
    auto bad = http_request(server_->port(), http::verb::post, "/api/login", "{not json");
    EXPECT_EQ(bad.status, 400u);
    EXPECT_NE(bad.body.find("invalid_request"), std::string::npos);
    auto ok = http_request(server_->port(), http::verb::post, "/api/login",
                           R"({"username":"sam","password":"circles-demo"})");
    EXPECT_EQ(ok.status, 200u);
    EXPECT_NE(ok.set_cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(ok.set_cookie.find("SameSite=Strict"), std::string::npos);
}

}  // namespace
}  // namespace circles::test
