// Check-in rounds and participation in the store: a round is open until the next starts,
// answers (a mood and a sealed word, or a pass) are counted and replaced, an answer to an ended
// round is refused, and participation counts each member's messages since a time. Both
// backends alike.
#include <gtest/gtest.h>

#include "circles/storage/store.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

class StoreCheckins : public testing::store_test {
  protected:
    user member(testing::seeded_store& s, const std::string& name, role r = role::student) {
        auto u = s.db->create_user_without_password(s.sch.id, name, name + " shown", r);
        EXPECT_TRUE(u);
        if (!u) return {};
        EXPECT_TRUE(s.db->add_member(s.rooms[0].id, u->id));
        return *u;
    }
};

TEST_P(StoreCheckins, ARoundCountsAnswersSealsWordsAndEndsWhenTheNextStarts) {
    auto s = open_seeded();
    const auto room = s.rooms[0].id;
    const auto riley = member(s, "riley");
    const auto f = member(s, "fac", role::facilitator);
    EXPECT_EQ(s.db->checkin_of(room, true)->id, 0) << "no round before one starts";

    auto round = s.db->start_checkin(room, f.id);
    ASSERT_TRUE(round) << round.error().message();
    ASSERT_GT(round->id, 0);
    EXPECT_EQ(round->started_by, f.id);

    auto first = s.db->answer_checkin(room, round->id, {s.student.id, 4, false, "tired", 1000});
    ASSERT_TRUE(first) << first.error().message();
    EXPECT_EQ(first->answered, 1);
    auto second = s.db->answer_checkin(room, round->id, {riley.id, 0, true, "", 1001});
    ASSERT_TRUE(second);
    EXPECT_EQ(second->answered, 1);
    EXPECT_EQ(second->passed, 1);
    EXPECT_TRUE(*s.db->answered_checkin(round->id, riley.id));
    EXPECT_FALSE(*s.db->answered_checkin(round->id, f.id));

    // Answering again replaces the answer; the counts stay.
    auto again = s.db->answer_checkin(room, round->id, {s.student.id, 2, false, "hungry", 1002});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->answered, 1);
    auto open = s.db->checkin_of(room, true);
    ASSERT_TRUE(open);
    ASSERT_EQ(open->answers.size(), 2u);
    const auto& mine = open->answers[0].user == s.student.id ? open->answers[0] : open->answers[1];
    EXPECT_EQ(mine.mood, 2);
    EXPECT_EQ(mine.word, "hungry");
    const auto sealed_word = raw().blob("SELECT ciphertext FROM checkin_answers WHERE user_id = " +
                                        std::to_string(s.student.id));
    EXPECT_EQ(std::string(sealed_word.begin(), sealed_word.end()).find("hungry"),
              std::string::npos);

    // Refused: a mood out of range, two words, a pass with a mood, an answer for no round.
    EXPECT_EQ(s.db->answer_checkin(room, round->id, {riley.id, 6, false, "", 1}).error(),
              make_error_code(errc::invalid_argument));
    EXPECT_EQ(s.db->answer_checkin(room, round->id, {riley.id, 3, false, "two words", 1}).error(),
              make_error_code(errc::invalid_argument));
    EXPECT_EQ(s.db->answer_checkin(room, round->id, {riley.id, 3, true, "", 1}).error(),
              make_error_code(errc::invalid_argument));

    // A new round ends the old one: its answers are no longer taken.
    auto next = s.db->start_checkin(room, f.id);
    ASSERT_TRUE(next);
    EXPECT_NE(next->id, round->id);
    EXPECT_EQ(s.db->answer_checkin(room, round->id, {riley.id, 3, false, "", 1}).error(),
              make_error_code(errc::not_found));
    auto fresh = s.db->checkin_of(room, true);
    ASSERT_TRUE(fresh);
    EXPECT_EQ(fresh->id, next->id);
    EXPECT_EQ(fresh->answered + fresh->passed, 0);
    EXPECT_EQ(s.db->start_checkin(room + 100, f.id).error(), make_error_code(errc::not_found));
}

TEST_P(StoreCheckins, ParticipationCountsEachMembersMessagesSinceATime) {
    auto s = open_seeded();
    const auto room = s.rooms[0].id;
    const auto riley = member(s, "riley");
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(testing::append_and_wait(
            *s.db, testing::make_request(room, s.student.id, "a" + std::to_string(i), "hi")));
    }
    ASSERT_TRUE(
        testing::append_and_wait(*s.db, testing::make_request(room, riley.id, "r1", "hello")));

    auto all = s.db->participation(room, 0);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 2u);
    for (const auto& row : *all) {
        EXPECT_EQ(row.messages, row.user == s.student.id ? 3 : 1);
        EXPECT_GT(row.last_at_ms, 0);
    }
    auto later = s.db->participation(room, (*all)[0].last_at_ms + 60'000);
    ASSERT_TRUE(later);
    EXPECT_TRUE(later->empty()) << "nothing said after the window starts";
}

// A wall clock stepped back leaves a newer message with an older time than the one before it.
// Participation counts by time, whatever the order of seqs (SQLite walks the newest messages
// with no time index, migration 10).
TEST_P(StoreCheckins, ParticipationCountsByTimeWhenTheClockWasSteppedBack) {
    auto s = open_seeded();
    const auto room = s.rooms[0].id;
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(testing::append_and_wait(
            *s.db, testing::make_request(room, s.student.id, "c" + std::to_string(i), "hi")));
    }
    // Seqs 1..4: two before the window, one inside it, and the newest dated just before the
    // window starts (the clock went back a minute), and none of them in order with the seqs.
    const std::int64_t since = 10'000'000;
    const auto set_time = [&](int seq, std::int64_t at) {
        raw().exec("UPDATE messages SET created_at_ms = " + std::to_string(at) +
                   " WHERE room_id = " + std::to_string(room) +
                   " AND seq = " + std::to_string(seq));
    };
    set_time(1, since - 3'600'000);  // an hour before
    set_time(2, since - 1'000);
    set_time(3, since + 5'000);
    set_time(4, since - 60'000);

    auto said = s.db->participation(room, since);
    ASSERT_TRUE(said);
    ASSERT_EQ(said->size(), 1u);
    EXPECT_EQ((*said)[0].user, s.student.id);
    EXPECT_EQ((*said)[0].messages, 1);
    EXPECT_EQ((*said)[0].last_at_ms, since + 5'000);

    auto wider = s.db->participation(room, since - 2'000);  // takes seq 2 in too
    ASSERT_TRUE(wider);
    ASSERT_EQ(wider->size(), 1u);
    EXPECT_EQ((*wider)[0].messages, 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreCheckins, testing::all_backends(), testing::backend_name);

}  // namespace
}  // namespace circles::storage
