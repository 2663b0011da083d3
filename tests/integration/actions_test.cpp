// Facilitator actions through the real server: approving and rejecting held messages,
// removing a message, muting a student until the mute lifts itself, slow mode, locking the
// room and removing a member. Each test checks what every party receives: the facilitator's
// answer, the event every member gets (or, for a mute, only the student), and what a student
// may do afterwards. Rooms run always live here; sessions_test.cpp covers the session gate.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "one_server_test.hpp"

namespace circles::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* held_text = "text me at 555-867-5309 after school";

// Wall-clock Unix milliseconds, the clock the server dates mutes with.
std::uint64_t now_ms() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

class Actions : public one_server_test {
  protected:
    static void cite(v1::Citation* c, std::uint32_t rule = 2,
                     const std::string& reason = "keeping the group safe") {
        c->set_ground_rule(rule);
        c->set_reason(reason);
    }
    static v1::ServerFrame moderate(client& c, std::uint64_t room, std::uint64_t seq,
                                    v1::MessageDecision d, std::uint32_t rule = 2,
                                    const std::string& reason = "keeping the group safe") {
        v1::ClientFrame f;
        auto* m = f.mutable_moderate_message();
        m->set_room_id(room);
        m->set_seq(seq);
        m->set_decision(d);
        cite(m->mutable_citation(), rule, reason);
        return ask(c, f);
    }
    static v1::ServerFrame mute(client& c, std::uint64_t room, std::uint64_t user,
                                std::uint32_t seconds) {
        v1::ClientFrame f;
        auto* m = f.mutable_mute_member();
        m->set_room_id(room);
        m->set_user_id(user);
        m->set_duration_seconds(seconds);
        cite(m->mutable_citation());
        return ask(c, f);
    }
    static v1::ServerFrame controls(client& c, std::uint64_t room, bool locked,
                                    std::uint32_t slow) {
        v1::ClientFrame f;
        auto* m = f.mutable_set_room_controls();
        m->set_room_id(room);
        m->set_locked(locked);
        m->set_slow_mode_seconds(slow);
        cite(m->mutable_citation(), 1, "a breather for everyone");
        return ask(c, f);
    }
    static v1::ServerFrame list_held(client& c, std::uint64_t room) {
        v1::ClientFrame f;
        f.mutable_list_held()->set_room_id(room);
        return ask(c, f);
    }
    static v1::ServerFrame list_members(client& c, std::uint64_t room) {
        v1::ClientFrame f;
        f.mutable_list_members()->set_room_id(room);
        return ask(c, f);
    }
    static std::function<bool(const v1::ServerFrame&)> event(bool (v1::ServerFrame::*has)() const) {
        return [has](const v1::ServerFrame& f) { return f.request_id() == 0 && (f.*has)(); };
    }
};

TEST_F(Actions, HeldMessageIsApprovedForEveryoneOrRejected) {
    client jordan = connect("jordan");
    client sam = connect("sam");
    client facilitator = connect("facilitator");
    const auto room = jordan.room_id("Lunch Bunch");
    for (client* c : {&jordan, &sam, &facilitator}) ASSERT_TRUE(c->join(room).has_joined());

    auto held = jordan.send_text(room, unique("h"), held_text);
    ASSERT_EQ(held.ack().status(), v1::MESSAGE_STATUS_HELD) << held.DebugString();
    const auto seq = held.ack().seq();
    auto queue = list_held(facilitator, room);
    ASSERT_TRUE(queue.has_held()) << queue.DebugString();
    ASSERT_EQ(queue.held().messages_size(), 1);
    EXPECT_EQ(queue.held().messages(0).seq(), seq);
    EXPECT_EQ(queue.held().messages(0).text(), held_text);
    EXPECT_EQ(list_held(sam, room).error().code(), v1::ERROR_CODE_FORBIDDEN)
        << "students never see the queue";

    auto approved = moderate(facilitator, room, seq, v1::MESSAGE_DECISION_APPROVE);
    ASSERT_TRUE(approved.has_moderated()) << approved.DebugString();
    EXPECT_EQ(approved.moderated().status(), v1::MESSAGE_STATUS_VISIBLE);
    EXPECT_EQ(approved.moderated().ground_rule(), 2u);
    // Sam, who never had it, now gets it with its own seq; so does its sender.
    for (client* c : {&sam, &jordan}) {
        auto got = c->wait_for([&](const v1::ServerFrame& f) {
            return f.has_message() && f.message().seq() == seq &&
                   f.message().status() == v1::MESSAGE_STATUS_VISIBLE;
        });
        ASSERT_TRUE(got) << "an approved message reaches everyone";
        EXPECT_EQ(got->message().text(), held_text);
    }
    EXPECT_EQ(list_held(facilitator, room).held().messages_size(), 0);

    // A second held message is rejected: it never reaches sam, and is gone from the queue.
    auto second = jordan.send_text(room, unique("h"), "call me at 555-123-4567 tonight");
    ASSERT_EQ(second.ack().status(), v1::MESSAGE_STATUS_HELD);
    auto rejected = moderate(facilitator, room, second.ack().seq(), v1::MESSAGE_DECISION_REMOVE);
    ASSERT_TRUE(rejected.has_moderated()) << rejected.DebugString();
    EXPECT_EQ(rejected.moderated().status(), v1::MESSAGE_STATUS_REMOVED);
    auto told = jordan.wait_for(event(&v1::ServerFrame::has_removed));
    ASSERT_TRUE(told) << "the sender learns their held message was not approved";
    EXPECT_EQ(told->removed().seq(), second.ack().seq());
    EXPECT_EQ(list_held(facilitator, room).held().messages_size(), 0);
    // A removed message is never shown again.
    EXPECT_EQ(moderate(facilitator, room, second.ack().seq(), v1::MESSAGE_DECISION_APPROVE)
                  .error()
                  .code(),
              v1::ERROR_CODE_INVALID_ARGUMENT);
    v1::ClientFrame history;
    history.mutable_history()->set_room_id(room);
    auto page = ask(sam, history);
    ASSERT_TRUE(page.has_history());
    bool approved_in_history = false;
    for (const auto& m : page.history().messages()) {
        if (m.seq() == seq) approved_in_history = m.text() == held_text;
        if (m.seq() == second.ack().seq()) {
            EXPECT_TRUE(m.text().empty()) << "no removed text";
        }
    }
    EXPECT_TRUE(approved_in_history);
}

TEST_F(Actions, RemovedMessageIsReplacedForEveryoneAndBadRequestsAreNamed) {
    client alex = connect("alex");
    client sam = connect("sam");
    client facilitator = connect("facilitator");
    const auto room = alex.room_id("Lunch Bunch");
    for (client* c : {&alex, &sam, &facilitator}) ASSERT_TRUE(c->join(room).has_joined());
    const auto text = unique("you are all annoying");
    auto sent = alex.send_text(room, unique("c"), text);
    ASSERT_TRUE(sent.has_ack()) << sent.DebugString();
    const auto seq = sent.ack().seq();

    // Refused, each with its code, and nothing reaches the room.
    EXPECT_EQ(moderate(sam, room, seq, v1::MESSAGE_DECISION_REMOVE).error().code(),
              v1::ERROR_CODE_FORBIDDEN);
    EXPECT_EQ(moderate(facilitator, room, seq, v1::MESSAGE_DECISION_REMOVE, 0).error().code(),
              v1::ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_EQ(moderate(facilitator, room, seq, v1::MESSAGE_DECISION_REMOVE, 42).error().code(),
              v1::ERROR_CODE_INVALID_ARGUMENT)
        << "only a ground rule the room has";
    EXPECT_EQ(moderate(facilitator, room, seq, v1::MESSAGE_DECISION_REMOVE, 2, "").error().code(),
              v1::ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_EQ(moderate(facilitator, room, seq, v1::MESSAGE_DECISION_REMOVE, 2, "line\nbreak")
                  .error()
                  .code(),
              v1::ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_EQ(moderate(facilitator, room, seq + 1000, v1::MESSAGE_DECISION_REMOVE).error().code(),
              v1::ERROR_CODE_MESSAGE_NOT_FOUND);

    auto removed = moderate(facilitator, room, seq, v1::MESSAGE_DECISION_REMOVE);
    ASSERT_TRUE(removed.has_moderated()) << removed.DebugString();
    for (client* c : {&alex, &sam, &facilitator}) {
        auto got = c->wait_for(event(&v1::ServerFrame::has_removed));
        ASSERT_TRUE(got) << "every member sees the removal";
        EXPECT_EQ(got->removed().seq(), seq);
        EXPECT_EQ(got->removed().reason(), "removed by facilitator");
        EXPECT_EQ(got->removed().ground_rule(), 2u);
    }
    // A fresh join shows it removed, without its text.
    auto rejoined = sam.join(room);
    bool found = false;
    for (const auto& m : rejoined.joined().messages()) {
        if (m.seq() != seq) continue;
        found = true;
        EXPECT_EQ(m.status(), v1::MESSAGE_STATUS_REMOVED);
        EXPECT_TRUE(m.text().empty());
    }
    EXPECT_TRUE(found);
    // The facilitator's reason is in no log line; the message text neither.
    EXPECT_EQ(server_->log().find("keeping the group safe"), std::string::npos);
    EXPECT_EQ(server_->log().find(text), std::string::npos);
}

// What a mute refuses is checked under a long mute, so no step races its end; that it lifts
// itself is checked with a short one, from below: nothing gets through before it ends.
TEST_F(Actions, MuteReachesOnlyTheStudentAndStaffAndLiftsItself) {
    client alex = connect("alex");
    client sam = connect("sam");
    client facilitator = connect("facilitator");
    const auto room = alex.room_id("Lunch Bunch");
    for (client* c : {&alex, &sam, &facilitator}) ASSERT_TRUE(c->join(room).has_joined());
    const auto alex_id = alex.hello().me().user_id();

    EXPECT_EQ(mute(sam, room, alex_id, 60).error().code(), v1::ERROR_CODE_FORBIDDEN);
    EXPECT_EQ(mute(facilitator, room, facilitator.hello().me().user_id(), 60).error().code(),
              v1::ERROR_CODE_FORBIDDEN)
        << "staff are not muted";
    EXPECT_EQ(mute(facilitator, room, alex_id, 86401).error().code(),
              v1::ERROR_CODE_INVALID_ARGUMENT);

    auto muted = mute(facilitator, room, alex_id, 600);
    ASSERT_TRUE(muted.has_muted()) << muted.DebugString();
    EXPECT_EQ(muted.muted().member().user_id(), alex_id);
    EXPECT_GT(muted.muted().until_ms(), 0u);
    auto told = alex.wait_for(event(&v1::ServerFrame::has_muted));
    ASSERT_TRUE(told) << "the student is told";
    EXPECT_EQ(told->muted().until_ms(), muted.muted().until_ms());
    EXPECT_EQ(told->muted().ground_rule(), 2u);
    EXPECT_TRUE(alex.join(room).joined().muted_until_ms() > 0) << "a rejoin shows the mute";

    auto refused = alex.send_text(room, unique("c"), "but I wanted to say");
    ASSERT_TRUE(refused.has_error()) << refused.DebugString();
    EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_MUTED);
    EXPECT_GT(refused.error().retry_after_ms(), 0u);
    EXPECT_LE(refused.error().retry_after_ms(), 600'000u);
    // Sam can still post, and never hears of the mute (alex heard of it already, so a mute
    // event for sam would be queued ahead of the pong).
    auto ok = sam.send_text(room, unique("c"), "hi all");
    ASSERT_TRUE(ok.has_ack()) << ok.DebugString();
    EXPECT_FALSE(sam.receives_before_pong(event(&v1::ServerFrame::has_muted)))
        << "other students are not told";
    // A disclosure still reaches a counselor while muted.
    auto disclosure = alex.send_text(room, unique("c"), "i want to kill myself");
    ASSERT_TRUE(disclosure.has_error()) << disclosure.DebugString();
    EXPECT_EQ(disclosure.error().code(), v1::ERROR_CODE_MUTED);
    EXPECT_TRUE(disclosure.error().escalated());

    // The facilitator's member list shows the mute; lifted early, the student is told and may
    // post at once.
    auto members = list_members(facilitator, room);
    ASSERT_TRUE(members.has_members()) << members.DebugString();
    bool listed = false;
    for (const auto& m : members.members().members()) {
        if (m.member().user_id() != alex_id) continue;
        listed = true;
        EXPECT_TRUE(m.present());
        EXPECT_GT(m.muted_until_ms(), 0u);
    }
    EXPECT_TRUE(listed);
    auto lifted = mute(facilitator, room, alex_id, 0);
    ASSERT_TRUE(lifted.has_muted()) << lifted.DebugString();
    EXPECT_EQ(lifted.muted().until_ms(), 0u);
    auto lift_told = alex.wait_for([](const v1::ServerFrame& f) {
        return f.request_id() == 0 && f.has_muted() && f.muted().until_ms() == 0;
    });
    ASSERT_TRUE(lift_told);
    EXPECT_TRUE(alex.send_text(room, unique("c"), "back again").has_ack());

    // A short mute lifts itself. A send while it lasts is refused; one the server takes (on a
    // slow machine, already) was taken at or after its end.
    auto brief = mute(facilitator, room, alex_id, 1);
    ASSERT_TRUE(brief.has_muted()) << brief.DebugString();
    const auto until_ms = brief.muted().until_ms();
    ASSERT_TRUE(alex.wait_for([&](const v1::ServerFrame& f) {
        return f.request_id() == 0 && f.has_muted() && f.muted().until_ms() == until_ms;
    }));
    auto early = alex.send_text(room, unique("c"), "is it over yet");
    if (early.has_ack()) {
        EXPECT_GE(early.ack().sent_at_ms(), until_ms) << "taken while muted";
    } else {
        EXPECT_EQ(early.error().code(), v1::ERROR_CODE_MUTED) << early.DebugString();
        EXPECT_LE(early.error().retry_after_ms(), 1000u);
    }
    // The server compares the mute's end with the same wall clock.
    while (now_ms() <= until_ms) std::this_thread::sleep_for(50ms);
    auto after = alex.send_text(room, unique("c"), "thanks for waiting");
    ASSERT_TRUE(after.has_ack()) << after.DebugString();
    EXPECT_EQ(alex.join(room).joined().muted_until_ms(), 0u);
}

TEST_F(Actions, LockAndSlowModeBindStudentsNotTheFacilitator) {
    client alex = connect("alex");
    client sam = connect("sam");
    client facilitator = connect("facilitator");
    const auto room = alex.room_id("Lunch Bunch");
    for (client* c : {&alex, &sam, &facilitator}) ASSERT_TRUE(c->join(room).has_joined());
    EXPECT_EQ(controls(sam, room, true, 0).error().code(), v1::ERROR_CODE_FORBIDDEN);

    auto locked = controls(facilitator, room, true, 0);
    ASSERT_TRUE(locked.has_controls()) << locked.DebugString();
    EXPECT_TRUE(locked.controls().locked());
    for (client* c : {&alex, &sam}) {
        auto got = c->wait_for(event(&v1::ServerFrame::has_controls));
        ASSERT_TRUE(got) << "every member is told the room is read-only";
        EXPECT_TRUE(got->controls().locked());
        EXPECT_EQ(got->controls().ground_rule(), 1u);
        EXPECT_EQ(got->controls().by().display_name(), "Ms. Rivera (facilitator)");
    }
    auto refused = alex.send_text(room, unique("c"), "hello?");
    EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_ROOM_LOCKED) << refused.DebugString();
    EXPECT_TRUE(facilitator.send_text(room, unique("c"), "Let's pause for a minute.").has_ack());
    EXPECT_TRUE(sam.join(room).joined().controls().locked()) << "a rejoin shows the lock";

    // Unlocked, with slow mode: one message per 10 minutes for each student, so "second" is
    // refused however slowly the machine runs.
    auto slow = controls(facilitator, room, false, 600);
    ASSERT_TRUE(slow.has_controls());
    EXPECT_FALSE(slow.controls().locked());
    EXPECT_EQ(slow.controls().slow_mode_seconds(), 600u);
    ASSERT_TRUE(alex.send_text(room, unique("c"), "first").has_ack());
    const auto first_sent = std::chrono::steady_clock::now();
    auto second = alex.send_text(room, unique("c"), "second");
    ASSERT_TRUE(second.has_error()) << second.DebugString();
    EXPECT_EQ(second.error().code(), v1::ERROR_CODE_RATE_LIMITED);
    EXPECT_GT(second.error().retry_after_ms(), 0u);
    EXPECT_LE(second.error().retry_after_ms(), 600'000u);
    EXPECT_TRUE(sam.send_text(room, unique("c"), "mine is fine").has_ack()) << "per student";
    EXPECT_TRUE(facilitator.send_text(room, unique("c"), "one").has_ack());
    EXPECT_TRUE(facilitator.send_text(room, unique("c"), "two").has_ack())
        << "slow mode does not bind the facilitator";
    // At one message a second, the next one is taken once a second has passed since "first".
    ASSERT_TRUE(controls(facilitator, room, false, 1).has_controls());
    std::this_thread::sleep_until(first_sent + 1100ms);
    EXPECT_TRUE(alex.send_text(room, unique("c"), "third").has_ack());

    ASSERT_TRUE(controls(facilitator, room, false, 0).has_controls());
    EXPECT_TRUE(alex.send_text(room, unique("c"), "fourth").has_ack());
    EXPECT_TRUE(alex.send_text(room, unique("c"), "fifth").has_ack());
}

TEST_F(Actions, RemovedMemberLeavesTheRoomOnEveryConnection) {
    client alex = connect("alex");
    client sam = connect("sam");
    client sam_phone = connect("sam");
    client facilitator = connect("facilitator");
    const auto room = alex.room_id("Lunch Bunch");
    for (client* c : {&alex, &sam, &sam_phone, &facilitator}) {
        ASSERT_TRUE(c->join(room).has_joined());
    }
    const auto sam_id = sam.hello().me().user_id();

    v1::ClientFrame remove;
    remove.mutable_remove_member()->set_room_id(room);
    remove.mutable_remove_member()->set_user_id(sam_id);
    cite(remove.mutable_remove_member()->mutable_citation(), 3, "repeated after two warnings");
    v1::ClientFrame by_student = remove;
    EXPECT_EQ(ask(alex, by_student).error().code(), v1::ERROR_CODE_FORBIDDEN);

    auto removed = ask(facilitator, remove);
    ASSERT_TRUE(removed.has_member_removed()) << removed.DebugString();
    EXPECT_EQ(removed.member_removed().member().user_id(), sam_id);
    for (client* c : {&alex, &sam, &sam_phone}) {
        auto got = c->wait_for(event(&v1::ServerFrame::has_member_removed));
        ASSERT_TRUE(got) << "every member, and each of sam's connections, is told";
        EXPECT_EQ(got->member_removed().member().user_id(), sam_id);
        EXPECT_EQ(got->member_removed().ground_rule(), 3u);
    }
    auto gone = alex.wait_for([&](const v1::ServerFrame& f) {
        return f.has_presence() && f.presence().member().user_id() == sam_id &&
               !f.presence().present();
    });
    EXPECT_TRUE(gone) << "the room sees sam leave";

    // Sam's connections no longer receive the room, and sam can neither post nor rejoin.
    ASSERT_TRUE(alex.send_text(room, unique("c"), "after sam left").has_ack());
    for (client* c : {&sam, &sam_phone}) {
        EXPECT_FALSE(c->wait_for([](const v1::ServerFrame& f) { return f.has_message(); }, 500ms));
    }
    EXPECT_EQ(sam.send_text(room, unique("c"), "let me back").error().code(),
              v1::ERROR_CODE_NOT_A_MEMBER);
    EXPECT_EQ(sam.join(room).error().code(), v1::ERROR_CODE_NOT_A_MEMBER);
    auto members = list_members(facilitator, room);
    for (const auto& m : members.members().members()) EXPECT_NE(m.member().user_id(), sam_id);
    // Removing again: sam is no longer a member.
    EXPECT_EQ(ask(facilitator, remove).error().code(), v1::ERROR_CODE_NOT_A_MEMBER);
}

}  // namespace
}  // namespace circles::test
