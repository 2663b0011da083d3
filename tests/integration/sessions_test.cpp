// Facilitated sessions and the group agreement through the real server, run as the product
// runs by default: a room is live only while a facilitator has a session open and is present,
// students post only after accepting the current group agreement, and a disclosure reaches
// counselors whatever the room's state. Every party's view is checked.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "harness.hpp"

namespace circles::test {
namespace {

bool is_session_event(const v1::ServerFrame& f) { return f.request_id() == 0 && f.has_session(); }
bool is_message(const v1::ServerFrame& f) { return f.has_message(); }

class Sessions : public ::testing::Test {
  protected:
    void SetUp() override { start(); }
    void start(std::string config = {}) {
        server_ = std::make_unique<server_process>(
            make_temp_dir() / "data",
            "[limits]\nsend_rate_per_second = 100.0\nsend_burst = 200.0\n" + config,
            rooms_mode::facilitated);
        server_->start();
    }
    client connect(const std::string& user) {
        return client(server_->port(), login(server_->port(), user), server_->origin());
    }
    // Joins and accepts the agreement the join showed; returns the join result.
    v1::JoinResult join_and_agree(client& c, std::uint64_t room) {
        auto joined = c.join(room);
        EXPECT_TRUE(joined.has_joined()) << joined.DebugString();
        const auto version = joined.joined().agreement().version();
        v1::ClientFrame f;
        f.mutable_accept_agreement()->set_room_id(room);
        f.mutable_accept_agreement()->set_version(version);
        auto reply = c.wait_reply(c.send(f));
        EXPECT_TRUE(reply && reply->has_agreement_accepted())
            << (reply ? reply->DebugString() : "");
        return joined.joined();
    }
    static v1::ServerFrame change_session(client& c, std::uint64_t room, bool open) {
        v1::ClientFrame f;
        if (open) {
            f.mutable_open_session()->set_room_id(room);
        } else {
            f.mutable_close_session()->set_room_id(room);
        }
        auto reply = c.wait_reply(c.send(f));
        return reply ? *reply : v1::ServerFrame{};
    }
    static std::string unique(const std::string& base) {
        static int n = 0;
        return base + "-" + std::to_string(++n);
    }
    std::unique_ptr<server_process> server_;
};

TEST_F(Sessions, OutsideASessionStudentsReadButCannotPost) {
    client alex = connect("alex");
    client sam = connect("sam");
    const auto room = alex.room_id("Lunch Bunch");
    const auto joined = join_and_agree(alex, room);
    ASSERT_TRUE(sam.join(room).has_joined());

    // The joiner sees that the room is not live and when it meets.
    const auto& session = joined.session();
    EXPECT_EQ(session.room_id(), room);
    EXPECT_TRUE(session.required());
    EXPECT_FALSE(session.open());
    EXPECT_FALSE(session.live());
    EXPECT_EQ(session.time_zone(), "America/New_York");
    ASSERT_EQ(session.schedule_size(), 2);
    EXPECT_EQ(session.schedule(0).weekday(), 2u);
    EXPECT_EQ(session.schedule(0).start_minute(), 12u * 60 + 10);
    EXPECT_EQ(session.schedule(0).duration_minutes(), 40u);
    EXPECT_EQ(session.schedule(1).weekday(), 4u);

    auto refused = alex.send_text(room, unique("c"), "is anyone here?");
    ASSERT_TRUE(refused.has_error()) << refused.DebugString();
    EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_ROOM_NOT_LIVE);
    EXPECT_FALSE(refused.error().escalated());
    EXPECT_FALSE(sam.wait_for(is_message, 1s)) << "nothing reaches the room";

    // Reading history still works outside a session.
    v1::ClientFrame history;
    history.mutable_history()->set_room_id(room);
    auto page = alex.wait_reply(alex.send(history));
    ASSERT_TRUE(page && page->has_history()) << (page ? page->DebugString() : "no reply");
}

TEST_F(Sessions, FacilitatorOpensAndClosesTheSessionAndEveryoneIsTold) {
    client facilitator = connect("facilitator");
    client alex = connect("alex");
    client sam = connect("sam");
    const auto room = alex.room_id("Lunch Bunch");
    join_and_agree(alex, room);
    join_and_agree(sam, room);
    ASSERT_TRUE(facilitator.join(room).has_joined());
    EXPECT_FALSE(facilitator.join(room).joined().agreement().required()) << "staff are not gated";

    auto opened = change_session(facilitator, room, true);
    ASSERT_TRUE(opened.has_session()) << opened.DebugString();
    EXPECT_TRUE(opened.session().open());
    EXPECT_TRUE(opened.session().live());
    EXPECT_TRUE(opened.session().facilitator_present());
    EXPECT_EQ(opened.session().opened_by().display_name(), "Ms. Rivera (facilitator)");
    EXPECT_GT(opened.session().opened_at_ms(), 0u);
    for (client* c : {&alex, &sam}) {
        auto event = c->wait_for(is_session_event);
        ASSERT_TRUE(event) << "every member hears that the session opened";
        EXPECT_TRUE(event->session().open());
        EXPECT_TRUE(event->session().live());
        EXPECT_EQ(event->session().room_id(), room);
    }

    const auto text = unique("hello everyone");
    auto ack = alex.send_text(room, unique("c"), text);
    ASSERT_TRUE(ack.has_ack()) << ack.DebugString();
    auto got = sam.wait_for(is_message);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->message().text(), text);
    // A rejoin shows the open session.
    EXPECT_TRUE(sam.join(room).joined().session().live());

    auto closed = change_session(facilitator, room, false);
    ASSERT_TRUE(closed.has_session()) << closed.DebugString();
    EXPECT_FALSE(closed.session().open());
    EXPECT_FALSE(closed.session().live());
    for (client* c : {&alex, &sam}) {
        auto event = c->wait_for(is_session_event);
        ASSERT_TRUE(event) << "every member hears that the session closed";
        EXPECT_FALSE(event->session().open());
    }
    auto refused = alex.send_text(room, unique("c"), "one more thing");
    ASSERT_TRUE(refused.has_error()) << refused.DebugString();
    EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_ROOM_NOT_LIVE);
    // Closing again is harmless.
    EXPECT_TRUE(change_session(facilitator, room, false).has_session());
}

TEST_F(Sessions, TheRoomPausesWhileNoFacilitatorIsPresent) {
    auto facilitator = std::make_unique<client>(
        server_->port(), login(server_->port(), "facilitator"), server_->origin());
    client alex = connect("alex");
    const auto room = alex.room_id("Lunch Bunch");
    join_and_agree(alex, room);
    ASSERT_TRUE(facilitator->join(room).has_joined());
    ASSERT_TRUE(change_session(*facilitator, room, true).session().live());
    ASSERT_TRUE(alex.send_text(room, unique("c"), "before the break").has_ack());

    facilitator->close();
    facilitator.reset();
    auto left = alex.wait_for([](const v1::ServerFrame& f) {
        return f.has_presence() && !f.presence().present() &&
               f.presence().member().role() == v1::ROLE_FACILITATOR;
    });
    ASSERT_TRUE(left) << "the room hears that the facilitator left";
    auto paused = alex.send_text(room, unique("c"), "hello?");
    ASSERT_TRUE(paused.has_error()) << paused.DebugString();
    EXPECT_EQ(paused.error().code(), v1::ERROR_CODE_ROOM_NOT_LIVE);
    auto view = alex.join(room).joined().session();
    EXPECT_TRUE(view.open()) << "the session stays open";
    EXPECT_FALSE(view.facilitator_present());
    EXPECT_FALSE(view.live());

    // Back again: the same session goes on without reopening.
    client back = connect("facilitator");
    ASSERT_TRUE(back.join(room).has_joined());
    EXPECT_TRUE(alex.send_text(room, unique("c"), "welcome back").has_ack());
}

TEST_F(Sessions, AnAdminSetsTheWeeklySchedule) {
    client alex = connect("alex");
    const auto room = alex.room_id("Lunch Bunch");
    const auto data = "--room " + std::to_string(room) + " --data " + server_->data_dir().string();
    auto set = run_circles("admin room-schedule " + data +
                           " --time-zone Europe/London --slots 'fri 13:00 30, mon 09:15 20'");
    ASSERT_EQ(set.status, 0) << set.output;
    EXPECT_NE(set.output.find("Lunch Bunch"), std::string::npos) << set.output;
    EXPECT_NE(set.output.find("mon 09:15 20, fri 13:00 30"), std::string::npos) << set.output;
    EXPECT_NE(set.output.find("Europe/London"), std::string::npos) << set.output;

    const auto session = alex.join(room).joined().session();
    EXPECT_EQ(session.time_zone(), "Europe/London");
    ASSERT_EQ(session.schedule_size(), 2);
    EXPECT_EQ(session.schedule(0).weekday(), 1u);
    EXPECT_EQ(session.schedule(0).start_minute(), 9u * 60 + 15);
    EXPECT_EQ(session.schedule(1).weekday(), 5u);

    auto bad = run_circles("admin room-schedule " + data + " --slots 'someday 13:00 30'");
    EXPECT_NE(bad.status, 0);
    EXPECT_NE(bad.output.find("someday"), std::string::npos) << bad.output;
    EXPECT_EQ(alex.join(room).joined().session().schedule_size(), 2) << "nothing changed";
}

TEST_F(Sessions, OnlyTheRoomsFacilitatorsOpenASession) {
    client alex = connect("alex");
    client counselor = connect("counselor");
    const auto room = alex.room_id("Lunch Bunch");
    ASSERT_TRUE(alex.join(room).has_joined());
    auto by_student = change_session(alex, room, true);
    ASSERT_TRUE(by_student.has_error()) << by_student.DebugString();
    EXPECT_EQ(by_student.error().code(), v1::ERROR_CODE_FORBIDDEN);
    auto by_outsider = change_session(counselor, room, true);
    ASSERT_TRUE(by_outsider.has_error()) << by_outsider.DebugString();
    EXPECT_EQ(by_outsider.error().code(), v1::ERROR_CODE_NOT_A_MEMBER);
    auto no_room = change_session(alex, 0, true);
    ASSERT_TRUE(no_room.has_error());
    EXPECT_EQ(no_room.error().code(), v1::ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_FALSE(alex.join(room).joined().session().open()) << "nothing was opened";
}

TEST_F(Sessions, StudentsAcceptTheGroupAgreementBeforePosting) {
    client facilitator = connect("facilitator");
    client alex = connect("alex");
    client sam = connect("sam");
    const auto room = alex.room_id("Lunch Bunch");
    ASSERT_TRUE(facilitator.join(room).has_joined());
    ASSERT_TRUE(change_session(facilitator, room, true).session().live());
    join_and_agree(sam, room);

    auto joined = alex.join(room);
    const auto& agreement = joined.joined().agreement();
    EXPECT_TRUE(agreement.required());
    EXPECT_FALSE(agreement.accepted());
    EXPECT_EQ(agreement.version().size(), 16u);
    ASSERT_GE(agreement.rules_size(), 3);
    EXPECT_EQ(agreement.rules(0).number(), 1u);
    EXPECT_NE(agreement.rules(0).text().find("Be kind"), std::string::npos);

    auto refused = alex.send_text(room, unique("c"), "hi all");
    ASSERT_TRUE(refused.has_error()) << refused.DebugString();
    EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_AGREEMENT_REQUIRED);
    EXPECT_FALSE(sam.wait_for(is_message, 1s));

    v1::ClientFrame stale;
    stale.mutable_accept_agreement()->set_room_id(room);
    stale.mutable_accept_agreement()->set_version("0000000000000000");
    auto wrong = alex.wait_reply(alex.send(stale));
    ASSERT_TRUE(wrong && wrong->has_error());
    EXPECT_EQ(wrong->error().code(), v1::ERROR_CODE_AGREEMENT_REQUIRED);

    v1::ClientFrame accept;
    accept.mutable_accept_agreement()->set_room_id(room);
    accept.mutable_accept_agreement()->set_version(agreement.version());
    auto accepted = alex.wait_reply(alex.send(accept));
    ASSERT_TRUE(accepted && accepted->has_agreement_accepted())
        << (accepted ? accepted->DebugString() : "no reply");
    EXPECT_EQ(accepted->agreement_accepted().version(), agreement.version());
    const auto text = unique("hi all, glad to be here");
    ASSERT_TRUE(alex.send_text(room, unique("c"), text).has_ack());
    auto got = sam.wait_for(is_message);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->message().text(), text);

    // Remembered: another connection of the same student is not asked again.
    client alex2 = connect("alex");
    EXPECT_TRUE(alex2.join(room).joined().agreement().accepted());
}

// Starts its own server, with a policy file it can change.
class SessionsWithAPolicyFile : public Sessions {
  protected:
    void SetUp() override {}
};

TEST_F(SessionsWithAPolicyFile, ANewAgreementVersionAsksAgain) {
    const auto dir = make_temp_dir();
    const auto policy_file = dir / "policy.toml";
    auto policy = [](const std::string& rule) {
        return "[policy]\nid = \"agreement-test\"\n"
               "[crisis]\nreply = \"You matter. Call or text 988, or talk to a trusted adult.\"\n"
               "[[ground_rules]]\nnumber = 1\ntext = \"" +
               rule + "\"\n[flood]\nground_rule = 1\nuser_messages = 1000\nroom_messages = 1000\n";
    };
    std::ofstream(policy_file) << policy("Be kind.");
    server_ = std::make_unique<server_process>(
        dir / "data", "policy_file = \"" + policy_file.string() + "\"\n", rooms_mode::facilitated);
    server_->start();

    client facilitator = connect("facilitator");
    client alex = connect("alex");
    const auto room = alex.room_id("Lunch Bunch");
    ASSERT_TRUE(facilitator.join(room).has_joined());
    ASSERT_TRUE(change_session(facilitator, room, true).session().live());
    const auto first = join_and_agree(alex, room).agreement();
    ASSERT_EQ(first.rules_size(), 1);
    ASSERT_TRUE(alex.send_text(room, unique("c"), "under the first rules").has_ack());

    std::ofstream(policy_file) << policy("Be kind, and listen.");
    ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
    v1::Agreement second;
    for (int i = 0; i < 100; ++i) {
        second = alex.join(room).joined().agreement();
        if (second.version() != first.version()) break;
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_NE(second.version(), first.version()) << "the reload did not change the agreement";
    EXPECT_FALSE(second.accepted());
    EXPECT_EQ(second.rules(0).text(), "Be kind, and listen.");
    auto refused = alex.send_text(room, unique("c"), "under the new rules");
    ASSERT_TRUE(refused.has_error()) << refused.DebugString();
    EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_AGREEMENT_REQUIRED);
}

TEST_F(Sessions, ADisclosureOutsideALiveRoomStillReachesCounselors) {
    client counselor = connect("counselor");
    client alex = connect("alex");
    client jordan = connect("jordan");
    client sam = connect("sam");
    const auto room = alex.room_id("Lunch Bunch");
    join_and_agree(alex, room);
    ASSERT_TRUE(jordan.join(room).has_joined());  // has not accepted the agreement
    ASSERT_TRUE(sam.join(room).has_joined());

    // No session open: refused for the room, escalated with support.
    auto first = alex.send_text(room, unique("c"), risky_text);
    ASSERT_TRUE(first.has_error()) << first.DebugString();
    EXPECT_EQ(first.error().code(), v1::ERROR_CODE_ROOM_NOT_LIVE);
    EXPECT_TRUE(first.error().escalated());
    EXPECT_FALSE(first.error().message().empty()) << "the student gets the supportive reply";
    auto paged = counselor.wait_for([](const v1::ServerFrame& f) { return f.has_escalation(); });
    ASSERT_TRUE(paged) << "the counselor is paged";
    EXPECT_EQ(paged->escalation().escalation().room_id(), room);
    EXPECT_EQ(paged->escalation().escalation().text(), risky_text);

    // Agreement not accepted: the same.
    auto second = jordan.send_text(room, unique("c"), risky_text);
    ASSERT_TRUE(second.has_error()) << second.DebugString();
    EXPECT_EQ(second.error().code(), v1::ERROR_CODE_AGREEMENT_REQUIRED);
    EXPECT_TRUE(second.error().escalated());
    ASSERT_TRUE(counselor.wait_for([](const v1::ServerFrame& f) { return f.has_escalation(); }));

    EXPECT_FALSE(sam.wait_for(is_message, 1s)) << "neither disclosure reaches the room";
}

TEST_F(Sessions, INeedToTalkReachesOnlyTheFacilitatorAndCounselors) {
    client facilitator = connect("facilitator");
    client counselor = connect("counselor");
    client admin = connect("admin");
    client sam = connect("sam");
    client alex = connect("alex");
    const auto room = alex.room_id("Lunch Bunch");
    ASSERT_TRUE(sam.join(room).has_joined());
    ASSERT_TRUE(facilitator.join(room).has_joined());
    // No session is open and alex has not accepted the agreement: the button works anyway.
    ASSERT_TRUE(alex.join(room).has_joined());

    auto ask = [&](client& c, const std::string& cmid) {
        v1::ClientFrame f;
        f.mutable_need_to_talk()->set_room_id(room);
        f.mutable_need_to_talk()->set_client_msg_id(cmid);
        auto reply = c.wait_reply(c.send(f));
        return reply ? *reply : v1::ServerFrame{};
    };
    auto acked = ask(alex, "talk-1");
    ASSERT_TRUE(acked.has_need_to_talk_ack()) << acked.DebugString();
    const auto& ack = acked.need_to_talk_ack();
    EXPECT_GT(ack.escalation_id(), 0u);
    EXPECT_FALSE(ack.duplicate());
    EXPECT_EQ(ack.client_msg_id(), "talk-1");
    EXPECT_NE(ack.support().find("988"), std::string::npos) << "the crisis contacts";
    EXPECT_FALSE(ack.confirmation().empty());

    auto told = facilitator.wait_for([](const v1::ServerFrame& f) { return f.has_need_to_talk(); });
    ASSERT_TRUE(told) << "the room's facilitator is told";
    EXPECT_EQ(told->need_to_talk().room_id(), room);
    EXPECT_EQ(told->need_to_talk().room_name(), "Lunch Bunch");
    EXPECT_EQ(told->need_to_talk().student().display_name(), "Blue Heron");
    EXPECT_EQ(told->need_to_talk().escalation_id(), ack.escalation_id());

    auto paged = counselor.wait_for([](const v1::ServerFrame& f) { return f.has_escalation(); });
    ASSERT_TRUE(paged) << "counselors are paged";
    EXPECT_EQ(paged->escalation().escalation().escalation_id(), ack.escalation_id());
    EXPECT_EQ(paged->escalation().escalation().source(), v1::ESCALATION_SOURCE_NEED_TO_TALK);
    EXPECT_EQ(paged->escalation().escalation().sender().display_name(), "Blue Heron");
    EXPECT_TRUE(
        counselor.wait_for([](const v1::ServerFrame& f) { return f.has_need_to_talk(); }));

    // A retry tells nobody twice.
    auto again = ask(alex, "talk-1");
    ASSERT_TRUE(again.has_need_to_talk_ack()) << again.DebugString();
    EXPECT_TRUE(again.need_to_talk_ack().duplicate());
    EXPECT_FALSE(
        facilitator.wait_for([](const v1::ServerFrame& f) { return f.has_need_to_talk(); }, 1s));

    // Nobody else hears of it: not the other students, not the admin (not paged yet).
    auto anything_about_it = [](const v1::ServerFrame& f) {
        return f.has_need_to_talk() || f.has_escalation() || f.has_message();
    };
    EXPECT_FALSE(sam.wait_for(anything_about_it, 1s));
    EXPECT_FALSE(admin.wait_for(anything_about_it, 1s));

    // Staff reach counselors directly.
    auto by_staff = ask(facilitator, "talk-2");
    ASSERT_TRUE(by_staff.has_error()) << by_staff.DebugString();
    EXPECT_EQ(by_staff.error().code(), v1::ERROR_CODE_FORBIDDEN);
    auto no_id = ask(alex, "");
    ASSERT_TRUE(no_id.has_error());
    EXPECT_EQ(no_id.error().code(), v1::ERROR_CODE_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace circles::test
