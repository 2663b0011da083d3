// Escalation paging in the store: the first deadline commits with the escalation, a re-page is
// claimed once, acknowledging is for the school's counselors only and idempotent, and each
// step leaves its audit entry. Both backends answer the same tests.
#include <gtest/gtest.h>

#include "circles/storage/store.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

using testing::append_and_wait;
using testing::make_request;

class StorePaging : public testing::store_test {
  protected:
    std::int64_t open_escalation(testing::seeded_store& s, const std::string& cmid) {
        auto req = make_request(s.rooms[0].id, s.student.id, cmid, "i want to disappear");
        req.escalation = escalation_request{escalation_source::risk_rule, {"self_harm"}, "risk.1"};
        req.status = message_status::held;
        auto r = append_and_wait(*s.db, std::move(req));
        EXPECT_TRUE(r);
        return r ? r->escalation_id : 0;
    }
    long long audit_count(const std::string& action) {
        return raw().scalar("SELECT count(*) FROM audit_log WHERE action = '" + action + "'");
    }
};

TEST_P(StorePaging, FirstDeadlineCommitsWithTheEscalation) {
    auto s = open_seeded();
    auto defaults = s.db->escalation_settings_of(s.sch.id);
    ASSERT_TRUE(defaults);
    EXPECT_EQ(defaults->ack_deadline_ms, 300'000);
    EXPECT_TRUE(defaults->webhook_url.empty());
    EXPECT_TRUE(defaults->contacts.empty());

    ASSERT_TRUE(s.db->set_escalation_settings({s.sch.id, 2000, "", {}}));
    const auto id = open_escalation(s, "m1");
    auto e = s.db->get_escalation(id);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->page_level, 0);
    EXPECT_EQ(e->next_page_at_ms, e->created_at_ms + 2000);
    EXPECT_EQ(e->acknowledged_by, 0);
    EXPECT_EQ(e->text, "i want to disappear");
    EXPECT_EQ(s.db->get_escalation(id + 1000).error(), make_error_code(errc::not_found));
}

TEST_P(StorePaging, OverdueEscalationIsClaimedOnce) {
    auto s = open_seeded();
    ASSERT_TRUE(s.db->set_escalation_settings({s.sch.id, 2000, "", {}}));
    const auto id = open_escalation(s, "m1");
    const auto e = *s.db->get_escalation(id);

    auto early = s.db->overdue_escalations(e.next_page_at_ms - 1, 10);
    ASSERT_TRUE(early);
    EXPECT_TRUE(early->empty());
    auto due = s.db->overdue_escalations(e.next_page_at_ms, 10);
    ASSERT_TRUE(due);
    ASSERT_EQ(due->size(), 1u);
    EXPECT_EQ(due->front().id, id);

    auto first = s.db->record_page(id, e.next_page_at_ms, 1, e.next_page_at_ms + 2000);
    ASSERT_TRUE(first);
    EXPECT_TRUE(*first);
    auto second = s.db->record_page(id, e.next_page_at_ms, 1, e.next_page_at_ms + 2000);
    ASSERT_TRUE(second);
    EXPECT_FALSE(*second) << "a second node with the same view must not page again";
    auto after = s.db->get_escalation(id);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->page_level, 1);
    EXPECT_EQ(after->next_page_at_ms, e.next_page_at_ms + 2000);
    EXPECT_TRUE(s.db->overdue_escalations(e.next_page_at_ms + 1999, 10)->empty());
    EXPECT_EQ(audit_count("escalation.paged"), 1);
}

TEST_P(StorePaging, OnlyTheSchoolsCounselorAcknowledgesAndOnlyOnce) {
    auto s = open_seeded();
    auto counselor = s.db->create_user(s.sch.id, "okafor", "Mr. Okafor", role::counselor, "pw");
    auto admin = s.db->create_user(s.sch.id, "head", "Head", role::admin, "pw");
    auto other_school = s.db->create_school("elm", "Elm");
    ASSERT_TRUE(counselor && admin && other_school);
    auto stranger =
        s.db->create_user(other_school->id, "elmc", "Elm counselor", role::counselor, "pw");
    ASSERT_TRUE(stranger);
    const auto id = open_escalation(s, "m1");

    const auto not_permitted = make_error_code(errc::not_permitted);
    EXPECT_EQ(s.db->acknowledge_escalation(id, s.student.id).error(), not_permitted);
    EXPECT_EQ(s.db->acknowledge_escalation(id, admin->id).error(), not_permitted);
    EXPECT_EQ(s.db->acknowledge_escalation(id, stranger->id).error(), not_permitted);
    EXPECT_EQ(s.db->acknowledge_escalation(id, 999999).error(), not_permitted);
    EXPECT_EQ(s.db->acknowledge_escalation(id + 1000, counselor->id).error(),
              make_error_code(errc::not_found));

    auto acked = s.db->acknowledge_escalation(id, counselor->id);
    ASSERT_TRUE(acked);
    EXPECT_EQ(acked->state, "acknowledged");
    EXPECT_EQ(acked->acknowledged_by, counselor->id);
    EXPECT_GT(acked->acknowledged_at_ms, 0);
    auto again = s.db->acknowledge_escalation(id, counselor->id);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->acknowledged_at_ms, acked->acknowledged_at_ms);
    EXPECT_EQ(audit_count("escalation.acknowledged"), 1);

    // Acknowledged: never overdue, never re-paged.
    EXPECT_TRUE(s.db->overdue_escalations(acked->next_page_at_ms + 1'000'000, 10)->empty());
    auto page = s.db->record_page(id, acked->next_page_at_ms, 1, acked->next_page_at_ms + 1);
    ASSERT_TRUE(page);
    EXPECT_FALSE(*page);
}

TEST_P(StorePaging, SettingsRoundTripAndRefuseBadInput) {
    auto s = open_seeded();
    auto c1 = s.db->create_user(s.sch.id, "c1", "C1", role::counselor, "pw");
    auto c2 = s.db->create_user(s.sch.id, "c2", "C2", role::counselor, "pw");
    auto head = s.db->create_user(s.sch.id, "head", "Head", role::admin, "pw");
    auto other = s.db->create_school("elm", "Elm");
    ASSERT_TRUE(c1 && c2 && head && other);
    auto outsider = s.db->create_user(other->id, "elmc", "Elm C", role::counselor, "pw");
    ASSERT_TRUE(outsider);

    escalation_settings want{
        s.sch.id, 5000, "http://127.0.0.1:9/hook", {{c1->id, c2->id}, {head->id}}};
    ASSERT_TRUE(s.db->set_escalation_settings(want));
    auto got = s.db->escalation_settings_of(s.sch.id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->ack_deadline_ms, 5000);
    EXPECT_EQ(got->webhook_url, want.webhook_url);
    EXPECT_EQ(got->contacts, want.contacts);

    const auto invalid = make_error_code(errc::invalid_argument);
    EXPECT_EQ(s.db->set_escalation_settings({s.sch.id, 999, "", {}}).error(), invalid);
    EXPECT_EQ(s.db->set_escalation_settings({s.sch.id, 90'000'000, "", {}}).error(), invalid);
    EXPECT_EQ(s.db->set_escalation_settings({s.sch.id, 5000, "https://x/", {}}).error(), invalid);
    EXPECT_EQ(s.db->set_escalation_settings({s.sch.id, 5000, "", {{}}}).error(), invalid);
    EXPECT_EQ(s.db->set_escalation_settings({s.sch.id, 5000, "", {{outsider->id}}}).error(),
              make_error_code(errc::not_found));
    EXPECT_EQ(s.db->set_escalation_settings({other->id + 100, 5000, "", {}}).error(),
              make_error_code(errc::not_found));
    // Listed twice in one level, an outsider is still refused (each store alike).
    EXPECT_EQ(
        s.db->set_escalation_settings({s.sch.id, 5000, "", {{outsider->id, outsider->id}}}).error(),
        make_error_code(errc::not_found));
    auto kept = s.db->escalation_settings_of(s.sch.id);
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->contacts, want.contacts) << "a refused change leaves the settings as they were";

    // A user listed twice in one level is one contact.
    ASSERT_TRUE(s.db->set_escalation_settings({s.sch.id, 5000, "", {{c2->id, c1->id, c2->id}}}));
    EXPECT_EQ(s.db->escalation_settings_of(s.sch.id)->contacts,
              (std::vector<std::vector<user_id>>{{c1->id, c2->id}}));
}

INSTANTIATE_TEST_SUITE_P(Backends, StorePaging, testing::all_backends(), testing::backend_name);

}  // namespace
}  // namespace circles::storage
