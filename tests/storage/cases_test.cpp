// Case handling in the store: a case moves open -> in progress -> resolved with who and when,
// taking or resolving an open case acknowledges it (its re-paging stops), notes are sealed at
// rest and read back in order, a resolved case never changes state again, and a student's real
// name is shown only to a counselor of the school working the case, each time recorded. Audit
// entries never hold a note or a name. Both backends alike.
#include <gtest/gtest.h>

#include "circles/storage/audit.hpp"
#include "circles/storage/limits.hpp"
#include "circles/storage/store.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

class StoreCases : public testing::store_test {
  protected:
    long long audit_count(const std::string& action) {
        return raw().scalar("SELECT count(*) FROM audit_log WHERE action = '" + action + "'");
    }
    user staff(testing::seeded_store& s, const std::string& name, role r) {
        auto u = s.db->create_user_without_password(s.sch.id, name, name + " shown", r);
        EXPECT_TRUE(u);
        return u ? *u : user{};
    }
    std::int64_t disclose(testing::seeded_store& s, const std::string& cmid) {
        auto req = testing::make_request(s.rooms[0].id, s.student.id, cmid, "i can't do this");
        req.escalation = escalation_request{escalation_source::risk_rule, {"self_harm"}, "r.1"};
        auto r = testing::append_and_wait(*s.db, std::move(req));
        EXPECT_TRUE(r);
        return r ? r->escalation_id : 0;
    }
};

TEST_P(StoreCases, ACaseMovesOnWithWhoAndWhenAndNotesSealed) {
    auto s = open_seeded();
    const auto counselor = staff(s, "okafor", role::counselor);
    const auto id = disclose(s, "d1");

    // Taking an open case acknowledges it: it is no longer paged.
    auto taken = s.db->update_case({id, counselor.id, "in_progress", 0, "called her to my office"});
    ASSERT_TRUE(taken) << taken.error().message();
    EXPECT_TRUE(taken->moved);
    EXPECT_EQ(taken->now.state, "in_progress");
    EXPECT_EQ(taken->now.taken_by, counselor.id);
    EXPECT_GT(taken->now.taken_at_ms, 0);
    EXPECT_EQ(taken->now.acknowledged_by, counselor.id);
    EXPECT_TRUE(s.db->overdue_escalations(taken->now.next_page_at_ms + 1, 10)->empty());
    EXPECT_EQ(audit_count("escalation.acknowledged"), 1);
    EXPECT_EQ(audit_count("escalation.in_progress"), 1);

    // A note alone keeps the state.
    auto noted = s.db->update_case({id, counselor.id, "", 0, "parent meeting on monday"});
    ASSERT_TRUE(noted);
    EXPECT_FALSE(noted->moved) << "a note alone moves nothing";
    EXPECT_EQ(noted->now.state, "in_progress");
    auto resolved = s.db->update_case(
        {id, counselor.id, "resolved", static_cast<int>(case_outcome::guardian_contacted), ""});
    ASSERT_TRUE(resolved);
    EXPECT_TRUE(resolved->moved);
    EXPECT_EQ(resolved->now.state, "resolved");
    EXPECT_EQ(resolved->now.resolved_by, counselor.id);
    EXPECT_GT(resolved->now.resolved_at_ms, 0);
    EXPECT_EQ(resolved->now.outcome, static_cast<int>(case_outcome::guardian_contacted));
    EXPECT_EQ(raw().text("SELECT detail FROM audit_log WHERE action = 'escalation.resolved'"),
              "from=in_progress outcome=guardian_contacted");

    auto notes = s.db->case_notes(id);
    ASSERT_TRUE(notes);
    ASSERT_EQ(notes->size(), 2u);
    EXPECT_EQ((*notes)[0].text, "called her to my office");
    EXPECT_EQ((*notes)[0].author, counselor.id);
    EXPECT_EQ((*notes)[1].text, "parent meeting on monday");
    EXPECT_EQ(audit_count("case.note"), 2);
    const auto sealed_note = raw().blob("SELECT ciphertext FROM case_notes ORDER BY id LIMIT 1");
    EXPECT_EQ(std::string(sealed_note.begin(), sealed_note.end()).find("office"),
              std::string::npos);
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM audit_log WHERE detail LIKE '%office%'"
                           " OR detail LIKE '%monday%'"),
              0);

    // Resolved is final for the state; notes may still be added.
    EXPECT_EQ(s.db->update_case({id, counselor.id, "in_progress", 0, ""}).error(),
              make_error_code(errc::invalid_argument));
    EXPECT_TRUE(s.db->update_case({id, counselor.id, "", 0, "checked in a week later"}));
    // Resolving it again (a second counselor, say) is no move: nobody is told twice.
    auto again = s.db->update_case(
        {id, counselor.id, "resolved", static_cast<int>(case_outcome::no_concern), ""});
    ASSERT_TRUE(again);
    EXPECT_FALSE(again->moved);
    EXPECT_EQ(again->now.outcome, static_cast<int>(case_outcome::guardian_contacted))
        << "the first resolution stands";
    EXPECT_EQ(s.db->case_notes(id)->size(), 3u);

    s.db.reset();
    const auto verdict = verify_audit(url(), options().data_dir);
    EXPECT_TRUE(verdict.ok) << verdict.problem;
}

TEST_P(StoreCases, OnlyACounselorOfTheSchoolWorksACaseAndUpdatesAreChecked) {
    auto s = open_seeded();
    const auto counselor = staff(s, "okafor", role::counselor);
    const auto facilitator = staff(s, "rivera", role::facilitator);
    const auto id = disclose(s, "d1");

    EXPECT_EQ(s.db->update_case({id, facilitator.id, "in_progress", 0, ""}).error(),
              make_error_code(errc::not_permitted));
    EXPECT_EQ(s.db->update_case({id, s.student.id, "", 0, "a note"}).error(),
              make_error_code(errc::not_permitted));
    EXPECT_EQ(s.db->update_case({id + 100, counselor.id, "in_progress", 0, ""}).error(),
              make_error_code(errc::not_found));
    // Resolving needs an outcome; only resolving has one; a bad state; nothing to do; too long.
    EXPECT_EQ(s.db->update_case({id, counselor.id, "resolved", 0, ""}).error(),
              make_error_code(errc::invalid_argument));
    EXPECT_EQ(s.db->update_case({id, counselor.id, "in_progress", 2, ""}).error(),
              make_error_code(errc::invalid_argument));
    EXPECT_EQ(s.db->update_case({id, counselor.id, "closed", 0, ""}).error(),
              make_error_code(errc::invalid_argument));
    EXPECT_EQ(s.db->update_case({id, counselor.id, "", 0, ""}).error(),
              make_error_code(errc::invalid_argument));
    EXPECT_EQ(s.db->update_case(
                      {id, counselor.id, "", 0, std::string(limits::max_case_note_bytes + 1, 'x')})
                  .error(),
              make_error_code(errc::invalid_argument));
    EXPECT_EQ(s.db->get_escalation(id)->state, "open") << "nothing refused changed it";
    EXPECT_EQ(audit_count("case.note"), 0);

    // Resolving straight from open acknowledges it on the way.
    auto resolved = s.db->update_case(
        {id, counselor.id, "resolved", static_cast<int>(case_outcome::no_concern), ""});
    ASSERT_TRUE(resolved);
    EXPECT_EQ(resolved->now.acknowledged_by, counselor.id);
    EXPECT_EQ(resolved->now.taken_by, 0);
    EXPECT_EQ(audit_count("escalation.acknowledged"), 1);
}

TEST_P(StoreCases, ARealNameIsShownOnlyToACounselorWorkingTheCaseAndEachTimeRecorded) {
    auto s = open_seeded();
    const auto counselor = staff(s, "okafor", role::counselor);
    const auto facilitator = staff(s, "rivera", role::facilitator);
    ASSERT_TRUE(s.db->set_real_name(s.student.id, "Alex Morgan"));
    const auto sealed_name = raw().blob("SELECT ciphertext FROM user_identities");
    EXPECT_EQ(std::string(sealed_name.begin(), sealed_name.end()).find("Morgan"),
              std::string::npos);
    const auto id = disclose(s, "d1");

    // Not while the case is open, and never for anyone but a counselor of the school.
    EXPECT_EQ(s.db->reveal_identity(id, counselor.id).error(),
              make_error_code(errc::not_permitted));
    ASSERT_TRUE(s.db->acknowledge_escalation(id, counselor.id));
    EXPECT_EQ(s.db->reveal_identity(id, facilitator.id).error(),
              make_error_code(errc::not_permitted));
    EXPECT_EQ(audit_count("identity.revealed"), 0);

    auto name = s.db->reveal_identity(id, counselor.id);
    ASSERT_TRUE(name);
    EXPECT_EQ(*name, "Alex Morgan");
    ASSERT_TRUE(s.db->reveal_identity(id, counselor.id));
    EXPECT_EQ(audit_count("identity.revealed"), 2) << "every reveal is recorded";
    EXPECT_EQ(raw().text("SELECT target FROM audit_log WHERE action = 'identity.revealed'"
                         " LIMIT 1"),
              "user:" + std::to_string(s.student.id));
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM audit_log WHERE detail LIKE '%Morgan%'"), 0);

    // Removed: the request is still recorded, and shows no name.
    ASSERT_TRUE(s.db->set_real_name(s.student.id, ""));
    auto none = s.db->reveal_identity(id, counselor.id);
    ASSERT_TRUE(none);
    EXPECT_EQ(*none, "");
    EXPECT_EQ(audit_count("identity.revealed"), 3);
    EXPECT_EQ(s.db->set_real_name(s.student.id + 100, "Nobody").error(),
              make_error_code(errc::not_found));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreCases, testing::all_backends(), testing::backend_name);

}  // namespace
}  // namespace circles::storage
