// Facilitated sessions, weekly schedules and the group agreement in the store: one open
// session per room, opening and closing leave audit entries, schedules round-trip and are
// validated, and an agreement is recorded per member and version. Both backends alike.
#include <gtest/gtest.h>

#include "circles/storage/store.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

class StoreSessions : public testing::store_test {
  protected:
    long long audit_count(const std::string& action) {
        return raw().scalar("SELECT count(*) FROM audit_log WHERE action = '" + action + "'");
    }
    user facilitator(testing::seeded_store& s) {
        auto f =
            s.db->create_user_without_password(s.sch.id, "fac", "Facilitator", role::facilitator);
        EXPECT_TRUE(f);
        return f ? *f : user{};
    }
};

TEST_P(StoreSessions, OneSessionOpensAndClosesWithAuditEntries) {
    auto s = open_seeded(2);
    const auto f = facilitator(s);
    const auto room = s.rooms[0].id;

    auto none = s.db->session_of(room);
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->open());

    auto opened = s.db->open_session(room, f.id);
    ASSERT_TRUE(opened);
    EXPECT_TRUE(opened->open());
    EXPECT_EQ(opened->opened_by, f.id);
    EXPECT_GT(opened->opened_at_ms, 0);

    // Opening again returns the same session and writes nothing.
    auto again = s.db->open_session(room, s.student.id);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->id, opened->id);
    EXPECT_EQ(again->opened_by, f.id);
    EXPECT_EQ(audit_count("session.opened"), 1);

    // Sessions are per room.
    EXPECT_FALSE(s.db->session_of(s.rooms[1].id)->open());
    EXPECT_EQ(s.db->session_of(room)->id, opened->id);

    auto closed = s.db->close_session(room, f.id);
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->id, opened->id);
    EXPECT_FALSE(s.db->session_of(room)->open());
    EXPECT_EQ(audit_count("session.closed"), 1);

    // Closing a closed room changes nothing; the next session is a new one.
    auto nothing = s.db->close_session(room, f.id);
    ASSERT_TRUE(nothing);
    EXPECT_FALSE(nothing->open());
    EXPECT_EQ(audit_count("session.closed"), 1);
    auto next = s.db->open_session(room, f.id);
    ASSERT_TRUE(next);
    EXPECT_NE(next->id, opened->id);
    EXPECT_EQ(
        raw().scalar("SELECT count(*) FROM room_sessions WHERE room_id = " + std::to_string(room)),
        2);
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM audit_log WHERE action LIKE 'session.%'"
                           " AND actor_id = " +
                           std::to_string(f.id) + " AND room_id = " + std::to_string(room)),
              3);

    EXPECT_EQ(s.db->session_of(room + 100).error(), make_error_code(errc::not_found));
    EXPECT_EQ(s.db->open_session(room + 100, f.id).error(), make_error_code(errc::not_found));
    EXPECT_EQ(s.db->close_session(room + 100, f.id).error(), make_error_code(errc::not_found));
}

TEST_P(StoreSessions, ScheduleRoundTripsAndIsValidated) {
    auto s = open_seeded();
    const auto room = s.rooms[0].id;
    auto empty = s.db->schedule_of(room);
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->time_zone, "UTC");
    EXPECT_TRUE(empty->slots.empty());

    room_schedule want{"America/New_York", {{2, 12 * 60 + 10, 40}, {4, 15 * 60 + 30, 45}}};
    ASSERT_TRUE(s.db->set_schedule(room, want));
    auto got = s.db->schedule_of(room);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->time_zone, want.time_zone);
    EXPECT_EQ(got->slots, want.slots);

    // Replaced as a whole.
    ASSERT_TRUE(s.db->set_schedule(room, {"Europe/London", {{1, 0, 720}}}));
    EXPECT_EQ(s.db->schedule_of(room)->slots, (std::vector<weekly_slot>{{1, 0, 720}}));

    const auto invalid = make_error_code(errc::invalid_argument);
    EXPECT_EQ(s.db->set_schedule(room, {"UTC", {{0, 0, 30}}}).error(), invalid);
    EXPECT_EQ(s.db->set_schedule(room, {"UTC", {{8, 0, 30}}}).error(), invalid);
    EXPECT_EQ(s.db->set_schedule(room, {"UTC", {{1, 1440, 30}}}).error(), invalid);
    EXPECT_EQ(s.db->set_schedule(room, {"UTC", {{1, 0, 0}}}).error(), invalid);
    EXPECT_EQ(s.db->set_schedule(room, {"UTC", {{1, 0, 721}}}).error(), invalid);
    EXPECT_EQ(s.db->set_schedule(room, {"", {}}).error(), invalid);
    EXPECT_EQ(s.db->set_schedule(room, {"Europe/London; DROP", {}}).error(), invalid);
    EXPECT_EQ(s.db->set_schedule(room, {"UTC", std::vector<weekly_slot>(29, {1, 0, 30})}).error(),
              invalid);
    EXPECT_EQ(s.db->schedule_of(room)->time_zone, "Europe/London") << "a refusal changes nothing";
    EXPECT_EQ(s.db->set_schedule(room + 100, {"UTC", {}}).error(),
              make_error_code(errc::not_found));
    EXPECT_EQ(s.db->schedule_of(room + 100).error(), make_error_code(errc::not_found));
}

TEST_P(StoreSessions, AgreementIsRecordedPerMemberAndVersion) {
    auto s = open_seeded(2);
    const auto room = s.rooms[0].id;
    EXPECT_EQ(*s.db->accepted_agreement(room, s.student.id), "");

    ASSERT_TRUE(s.db->accept_agreement(room, s.student.id, "v1abc"));
    EXPECT_EQ(*s.db->accepted_agreement(room, s.student.id), "v1abc");
    EXPECT_EQ(*s.db->accepted_agreement(s.rooms[1].id, s.student.id), "") << "per room";
    // Accepting the same version again records nothing new.
    ASSERT_TRUE(s.db->accept_agreement(room, s.student.id, "v1abc"));
    EXPECT_EQ(audit_count("agreement.accepted"), 1);
    // A new version replaces the old one.
    ASSERT_TRUE(s.db->accept_agreement(room, s.student.id, "v2def"));
    EXPECT_EQ(*s.db->accepted_agreement(room, s.student.id), "v2def");
    EXPECT_EQ(audit_count("agreement.accepted"), 2);
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM audit_log WHERE action = 'agreement.accepted'"
                           " AND detail = 'version=v2def'"),
              1);

    const auto invalid = make_error_code(errc::invalid_argument);
    EXPECT_EQ(s.db->accept_agreement(room, s.student.id, "").error(), invalid);
    EXPECT_EQ(s.db->accept_agreement(room, s.student.id, "has space").error(), invalid);
    EXPECT_EQ(s.db->accept_agreement(room, s.student.id, std::string(65, 'a')).error(), invalid);
    EXPECT_EQ(s.db->accept_agreement(room + 100, s.student.id, "v1").error(),
              make_error_code(errc::not_found));
    EXPECT_EQ(s.db->accept_agreement(room, s.student.id + 100, "v1").error(),
              make_error_code(errc::not_found));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreSessions, testing::all_backends(), testing::backend_name);

}  // namespace
}  // namespace circles::storage
