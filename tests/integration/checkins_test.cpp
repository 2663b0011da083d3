// Check-in rounds and the participation view through the real server: a facilitator starts a
// round and the room is told; each student's mood and word reach the facilitator (and the
// student) while the room sees only how many answered; a student who joins late can still
// answer; the participation view lists students quietest first, for staff only.
#include <gtest/gtest.h>

#include "one_server_test.hpp"

namespace circles::test {
namespace {

class Checkins : public one_server_test {
  protected:
    static v1::ServerFrame start(client& c, std::uint64_t room) {
        v1::ClientFrame f;
        f.mutable_start_check_in()->set_room_id(room);
        return ask(c, f);
    }
    static v1::ServerFrame answer(client& c, std::uint64_t room, std::uint64_t round,
                                  std::uint32_t mood, const std::string& word, bool pass = false) {
        v1::ClientFrame f;
        auto* a = f.mutable_answer_check_in();
        a->set_room_id(room);
        a->set_round_id(round);
        a->set_mood(mood);
        a->set_word(word);
        a->set_pass(pass);
        return ask(c, f);
    }
    static v1::ServerFrame participation(client& c, std::uint64_t room) {
        v1::ClientFrame f;
        f.mutable_list_participation()->set_room_id(room);
        return ask(c, f);
    }
    static bool an_answer(const v1::ServerFrame& f) {
        return f.request_id() == 0 && f.has_check_in_answer();
    }
};

TEST_F(Checkins, AnswersReachStaffTheRoomSeesCountsAndLateJoinersCanAnswer) {
    client alex = connect("alex");
    client sam = connect("sam");
    client facilitator = connect("facilitator");
    const auto room = alex.room_id("Lunch Bunch");
    for (client* c : {&alex, &sam, &facilitator}) ASSERT_TRUE(c->join(room).has_joined());

    EXPECT_EQ(start(alex, room).error().code(), v1::ERROR_CODE_FORBIDDEN);
    auto started = start(facilitator, room);
    ASSERT_TRUE(started.has_check_in()) << started.DebugString();
    const auto round = started.check_in().round_id();
    ASSERT_GT(round, 0u);
    auto told = sam.wait_for([](const v1::ServerFrame& f) { return f.has_check_in(); });
    ASSERT_TRUE(told) << "the room is told a round started";
    EXPECT_EQ(told->check_in().round_id(), round);

    auto mine = answer(alex, room, round, 2, "tired");
    ASSERT_TRUE(mine.has_check_in_answer()) << mine.DebugString();
    EXPECT_EQ(mine.check_in_answer().mood(), 2u);
    auto seen = facilitator.wait_for(an_answer);
    ASSERT_TRUE(seen) << "the facilitator sees each answer";
    EXPECT_EQ(seen->check_in_answer().member().display_name(), "Blue Heron");
    EXPECT_EQ(seen->check_in_answer().word(), "tired");
    auto counted = sam.wait_for([](const v1::ServerFrame& f) { return f.has_check_in_count(); });
    ASSERT_TRUE(counted) << "everyone sees the count";
    EXPECT_EQ(counted->check_in_count().answered(), 1u);
    EXPECT_FALSE(sam.receives_before_pong(an_answer)) << "another student never sees an answer";

    auto passed = answer(sam, room, round, 0, "", true);
    ASSERT_TRUE(passed.has_check_in_answer()) << passed.DebugString();
    EXPECT_TRUE(passed.check_in_answer().passed());
    auto after_pass = alex.wait_for([](const v1::ServerFrame& f) {
        return f.has_check_in_count() && f.check_in_count().passed() == 1;
    });
    ASSERT_TRUE(after_pass);
    EXPECT_EQ(after_pass->check_in_count().answered(), 1u);

    // Refused: staff answering, no mood, a stale round, two words.
    EXPECT_EQ(answer(facilitator, room, round, 3, "").error().code(), v1::ERROR_CODE_FORBIDDEN);
    EXPECT_EQ(answer(alex, room, round, 0, "").error().code(), v1::ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_EQ(answer(alex, room, round + 100, 3, "").error().code(),
              v1::ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_EQ(answer(alex, room, round, 3, "two words").error().code(),
              v1::ERROR_CODE_INVALID_ARGUMENT);

    // Joining late: the open round comes with the join, and whether you answered it.
    client jordan = connect("jordan");
    auto joined = jordan.join(room);
    ASSERT_TRUE(joined.joined().has_check_in());
    EXPECT_EQ(joined.joined().check_in().round_id(), round);
    EXPECT_FALSE(joined.joined().check_in().you_answered());
    EXPECT_EQ(joined.joined().check_in().answered(), 1u);
    EXPECT_TRUE(alex.join(room).joined().check_in().you_answered());
}

TEST_F(Checkins, ParticipationListsStudentsQuietestFirstForStaffOnly) {
    client alex = connect("alex");
    client sam = connect("sam");
    client facilitator = connect("facilitator");
    const auto room = alex.room_id("Lunch Bunch");
    for (client* c : {&alex, &sam, &facilitator}) ASSERT_TRUE(c->join(room).has_joined());
    for (const char* text : {"hi everyone", "how was the quiz", "i thought it was hard"}) {
        ASSERT_TRUE(alex.send_text(room, unique("a"), text).has_ack());
    }
    ASSERT_TRUE(sam.send_text(room, unique("s"), "me too").has_ack());
    const auto round = start(facilitator, room).check_in().round_id();
    ASSERT_TRUE(answer(sam, room, round, 4, "good").has_check_in_answer());

    auto view = participation(facilitator, room);
    ASSERT_TRUE(view.has_participation()) << view.DebugString();
    const auto& rows = view.participation().members();
    ASSERT_GE(rows.size(), 4);  // alex, sam, jordan, the facilitator
    EXPECT_EQ(rows[0].member().display_name(), "Maple Leaf") << "jordan has not spoken";
    EXPECT_EQ(rows[0].messages(), 0u);
    EXPECT_EQ(rows[0].last_spoke_ms(), 0u);
    EXPECT_FALSE(rows[0].present());
    EXPECT_EQ(rows[1].member().display_name(), "Quiet Fox");
    EXPECT_EQ(rows[1].messages(), 1u);
    EXPECT_EQ(rows[1].share_percent(), 25u);
    EXPECT_EQ(rows[2].member().display_name(), "Blue Heron");
    EXPECT_EQ(rows[2].share_percent(), 75u);
    EXPECT_TRUE(rows[2].present());
    EXPECT_EQ(rows[3].member().role(), v1::ROLE_FACILITATOR) << "staff come after students";
    EXPECT_EQ(view.participation().round().round_id(), round);
    ASSERT_EQ(view.participation().answers_size(), 1);
    EXPECT_EQ(view.participation().answers(0).word(), "good");

    EXPECT_EQ(participation(alex, room).error().code(), v1::ERROR_CODE_FORBIDDEN);
}

}  // namespace
}  // namespace circles::test
