// Escalations: a sign of risk is stored in the same commit as its message, sealed, and a
// message kept out of the room still leaves its escalation behind.
#include <gtest/gtest.h>

#include "circles/storage/store.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

using testing::append_and_wait;
using testing::make_request;

class StoreEscalations : public testing::store_test {};

append_request risky(room_id room, user_id sender, std::string cmid, std::string text,
                     bool into_room) {
    auto req = make_request(room, sender, std::move(cmid), std::move(text));
    req.escalation = escalation_request{escalation_source::risk_rule, {"self_harm"}, "risk.1"};
    req.into_room = into_room;
    return req;
}

TEST_P(StoreEscalations, StoredInTheSameCommitAsTheMessage) {
    auto s = open_seeded();
    auto& checker = raw();
    long long rows_at_ack = -1;
    std::promise<result<append_result>> done;
    s.db->append(risky(s.rooms[0].id, s.student.id, "r1", "i have been saving my pills", true),
                 [&](result<append_result> r) {
                     rows_at_ack = checker.scalar("SELECT count(*) FROM escalations");
                     done.set_value(std::move(r));
                 });
    auto r = done.get_future().get();
    ASSERT_TRUE(r);
    EXPECT_EQ(rows_at_ack, 1) << "the escalation must be committed before the ack";
    EXPECT_GT(r->seq, 0u);
    EXPECT_GT(r->escalation_id, 0);

    auto open = s.db->escalations(s.sch.id, "open", 10);
    ASSERT_TRUE(open);
    ASSERT_EQ(open->size(), 1u);
    const auto& e = open->front();
    EXPECT_EQ(e.id, r->escalation_id);
    EXPECT_EQ(e.room, s.rooms[0].id);
    EXPECT_EQ(e.sender, s.student.id);
    EXPECT_EQ(e.seq, r->seq);
    EXPECT_EQ(e.source, escalation_source::risk_rule);
    EXPECT_EQ(e.categories, std::vector<std::string>{"self_harm"});
    EXPECT_EQ(e.rule_id, "risk.1");
    EXPECT_EQ(e.text, "i have been saving my pills");
    EXPECT_EQ(e.state, "open");
}

TEST_P(StoreEscalations, KeptOutOfTheRoomTakesNoSeqButIsDurable) {
    {
        auto s = open_seeded();
        auto r = append_and_wait(*s.db, risky(s.rooms[0].id, s.student.id, "b1",
                                              "blocked words but a disclosure", false));
        ASSERT_TRUE(r);
        EXPECT_EQ(r->seq, 0u);
        EXPECT_GT(r->escalation_id, 0);
        auto next = append_and_wait(*s.db, make_request(s.rooms[0].id, s.student.id, "n1", "hi"));
        ASSERT_TRUE(next);
        EXPECT_EQ(next->seq, 1u) << "a message kept out of the room must not leave a gap";
    }
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM escalations WHERE seq IS NULL"), 1);
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM messages"), 1);
}

TEST_P(StoreEscalations, RetryDoesNotDuplicateAndTextIsSealed) {
    const std::string secret = "nobody-should-read-this-7f3a";
    auto s = open_seeded();
    auto first = append_and_wait(*s.db, risky(s.rooms[0].id, s.student.id, "x1", secret, false));
    auto again = append_and_wait(*s.db, risky(s.rooms[0].id, s.student.id, "x1", secret, false));
    ASSERT_TRUE(first && again);
    EXPECT_TRUE(again->duplicate);
    EXPECT_EQ(again->escalation_id, first->escalation_id);
    auto in_room = append_and_wait(*s.db, risky(s.rooms[0].id, s.student.id, "y1", secret, true));
    auto in_room_again =
        append_and_wait(*s.db, risky(s.rooms[0].id, s.student.id, "y1", secret, true));
    ASSERT_TRUE(in_room && in_room_again);
    EXPECT_EQ(in_room_again->escalation_id, in_room->escalation_id);
    EXPECT_EQ(in_room_again->seq, in_room->seq);
    auto open = s.db->escalations(s.sch.id, "open", 10);
    ASSERT_TRUE(open);
    EXPECT_EQ(open->size(), 2u);
    s.db->flush();
    EXPECT_EQ(raw().stored_bytes().find(secret), std::string::npos);
}

TEST_P(StoreEscalations, KeptOutOfTheRoomWithoutEscalationIsRefused) {
    auto s = open_seeded();
    auto req = make_request(s.rooms[0].id, s.student.id, "z1", "nowhere to go");
    req.into_room = false;
    auto r = append_and_wait(*s.db, std::move(req));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreEscalations, testing::all_backends(),
                         testing::backend_name);

}  // namespace
}  // namespace circles::storage
