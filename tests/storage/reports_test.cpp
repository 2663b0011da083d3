// Peer reports in the store: filing once per message and reporter, the note sealed at rest,
// the room's queue and a reporter's own list, settling by dismissal or by removal of the
// message, the limit on open reports, and audit entries that name ids and never the note or
// the message. Both backends alike.
#include <gtest/gtest.h>

#include "circles/storage/audit.hpp"
#include "circles/storage/limits.hpp"
#include "circles/storage/store.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

class StoreReports : public testing::store_test {
  protected:
    long long audit_count(const std::string& action) {
        return raw().scalar("SELECT count(*) FROM audit_log WHERE action = '" + action + "'");
    }
    user member(testing::seeded_store& s, const std::string& name, role r = role::student) {
        auto u = s.db->create_user_without_password(s.sch.id, name, name + " pseudonym", r);
        EXPECT_TRUE(u);
        if (!u) return {};
        EXPECT_TRUE(s.db->add_member(s.rooms[0].id, u->id));
        return *u;
    }
    seq_t post(testing::seeded_store& s, user_id sender, std::string cmid, std::string text,
               message_status status = message_status::visible) {
        auto req = testing::make_request(s.rooms[0].id, sender, std::move(cmid), std::move(text));
        req.status = status;
        auto r = testing::append_and_wait(*s.db, std::move(req));
        EXPECT_TRUE(r);
        return r ? r->seq : 0;
    }
};

TEST_P(StoreReports, AReportIsFiledOnceSealedAndListedForTheRoomAndTheReporter) {
    auto s = open_seeded();
    const auto room = s.rooms[0].id;
    const auto reporter = member(s, "riley");
    const auto seq = post(s, s.student.id, "m1", "you are all losers");
    const std::string note = "they keep saying this to Sam";

    auto filed = s.db->file_report({room, seq, reporter.id, report_category::unkind, note, 0});
    ASSERT_TRUE(filed) << filed.error().message();
    EXPECT_FALSE(filed->duplicate);
    EXPECT_GT(filed->filed.id, 0);
    EXPECT_EQ(filed->filed.state, report_state::open);
    EXPECT_EQ(filed->filed.note, note);
    EXPECT_EQ(filed->filed.reporter, reporter.id);

    // The same student reporting the same message again gets the first report back.
    auto again = s.db->file_report({room, seq, reporter.id, report_category::other, "", 0});
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->duplicate);
    EXPECT_EQ(again->filed.id, filed->filed.id);
    EXPECT_EQ(again->filed.category, report_category::unkind);
    EXPECT_EQ(audit_count("report.filed"), 1);

    // The note is sealed at rest: its words are nowhere in the row.
    const auto sealed_note =
        raw().blob("SELECT ciphertext FROM reports WHERE id = " + std::to_string(filed->filed.id));
    ASSERT_GT(sealed_note.size(), note.size());
    EXPECT_EQ(std::string(sealed_note.begin(), sealed_note.end()).find("Sam"), std::string::npos);

    auto queue = s.db->reports_of(room, 0);
    ASSERT_TRUE(queue);
    ASSERT_EQ(queue->size(), 1u);
    EXPECT_EQ((*queue)[0].seq, seq);
    EXPECT_EQ((*queue)[0].note, note);
    auto mine = s.db->reports_of(room, reporter.id);
    ASSERT_TRUE(mine);
    ASSERT_EQ(mine->size(), 1u);
    EXPECT_TRUE(s.db->reports_of(room, s.student.id)->empty());

    // The audit entry names the message, the report and the category, not the words.
    EXPECT_EQ(raw().text("SELECT detail FROM audit_log WHERE action = 'report.filed'"),
              "report=" + std::to_string(filed->filed.id) + " category=unkind");
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM audit_log WHERE detail LIKE '%Sam%'"
                           " OR detail LIKE '%losers%'"),
              0);
}

TEST_P(StoreReports, OnlyAVisibleMessageOfSomeoneElseCanBeReported) {
    auto s = open_seeded();
    const auto room = s.rooms[0].id;
    const auto reporter = member(s, "riley");
    const auto own = post(s, reporter.id, "m1", "my own words");
    const auto held = post(s, s.student.id, "m2", "held words", message_status::held);

    EXPECT_EQ(s.db->file_report({room, own, reporter.id, report_category::unkind, "", 0}).error(),
              make_error_code(errc::invalid_argument));
    EXPECT_EQ(s.db->file_report({room, held, reporter.id, report_category::unkind, "", 0}).error(),
              make_error_code(errc::not_found));
    EXPECT_EQ(s.db->file_report({room, 999, reporter.id, report_category::unkind, "", 0}).error(),
              make_error_code(errc::not_found));
    const auto shown = post(s, s.student.id, "m3", "shown words");
    EXPECT_EQ(s.db->file_report({room, shown, reporter.id, static_cast<report_category>(9), "", 0})
                  .error(),
              make_error_code(errc::invalid_argument));
    const std::string long_note(limits::max_report_note_bytes + 1, 'x');
    EXPECT_EQ(
        s.db->file_report({room, shown, reporter.id, report_category::other, long_note, 0}).error(),
        make_error_code(errc::invalid_argument));
    EXPECT_EQ(audit_count("report.filed"), 0);
}

TEST_P(StoreReports, ReportsAreSettledByDismissalOrByRemovingTheMessage) {
    auto s = open_seeded();
    const auto room = s.rooms[0].id;
    const auto riley = member(s, "riley");
    const auto casey = member(s, "casey");
    const auto f = member(s, "fac", role::facilitator);
    const auto first = post(s, s.student.id, "m1", "first");
    const auto second = post(s, s.student.id, "m2", "second");

    auto dismissed = s.db->file_report({room, first, riley.id, report_category::other, "", 0});
    auto a = s.db->file_report({room, second, riley.id, report_category::unkind, "", 0});
    auto b = s.db->file_report({room, second, casey.id, report_category::privacy, "", 0});
    ASSERT_TRUE(dismissed && a && b);

    auto settled = s.db->handle_report(room, dismissed->filed.id, report_state::dismissed, f.id);
    ASSERT_TRUE(settled);
    EXPECT_TRUE(settled->changed);
    EXPECT_EQ(settled->settled.state, report_state::dismissed);
    EXPECT_EQ(settled->settled.handled_by, f.id);
    EXPECT_GT(settled->settled.handled_at_ms, 0);
    // Settling twice changes nothing and is not audited again.
    auto twice = s.db->handle_report(room, dismissed->filed.id, report_state::actioned, f.id);
    ASSERT_TRUE(twice);
    EXPECT_FALSE(twice->changed);
    EXPECT_EQ(twice->settled.state, report_state::dismissed);
    EXPECT_EQ(audit_count("report.dismissed"), 1);

    // Removing the message settles both of its reports as actioned, one entry each.
    auto on_second = s.db->settle_reports_on(room, second, f.id);
    ASSERT_TRUE(on_second);
    ASSERT_EQ(on_second->size(), 2u);
    for (const auto& r : *on_second) EXPECT_EQ(r.state, report_state::actioned);
    EXPECT_EQ(audit_count("report.actioned"), 2);
    EXPECT_TRUE(s.db->settle_reports_on(room, second, f.id)->empty());
    EXPECT_TRUE(s.db->reports_of(room, 0)->empty());
    auto rileys = s.db->reports_of(room, riley.id);
    ASSERT_TRUE(rileys);
    ASSERT_EQ(rileys->size(), 2u);
    EXPECT_EQ((*rileys)[0].seq, second);  // newest first
    EXPECT_EQ((*rileys)[0].state, report_state::actioned);
    EXPECT_EQ((*rileys)[1].state, report_state::dismissed);

    // Unknown report, report of another room, and "open" as an outcome.
    EXPECT_EQ(s.db->handle_report(room, 999, report_state::dismissed, f.id).error(),
              make_error_code(errc::not_found));
    EXPECT_EQ(s.db->handle_report(room + 1, a->filed.id, report_state::dismissed, f.id).error(),
              make_error_code(errc::not_found));
    EXPECT_EQ(s.db->handle_report(room, a->filed.id, report_state::open, f.id).error(),
              make_error_code(errc::invalid_argument));

    s.db.reset();
    const auto verdict = verify_audit(url(), options().data_dir);
    EXPECT_TRUE(verdict.ok) << verdict.problem;
}

TEST_P(StoreReports, AStudentHasAtMostTheLimitOfOpenReportsInARoom) {
    auto s = open_seeded();
    const auto room = s.rooms[0].id;
    const auto reporter = member(s, "riley");
    const auto f = member(s, "fac", role::facilitator);
    std::vector<seq_t> seqs;
    for (std::size_t i = 0; i <= limits::max_open_reports_per_reporter; ++i) {
        seqs.push_back(post(s, s.student.id, "m" + std::to_string(i), "words"));
    }
    std::int64_t first_id = 0;
    for (std::size_t i = 0; i < limits::max_open_reports_per_reporter; ++i) {
        auto r = s.db->file_report({room, seqs[i], reporter.id, report_category::other, "", 0});
        ASSERT_TRUE(r) << i;
        if (i == 0) first_id = r->filed.id;
    }
    const report_request one_more{room, seqs.back(), reporter.id, report_category::other, "", 0};
    EXPECT_EQ(s.db->file_report(one_more).error(), make_error_code(errc::limit_reached));
    // Once a facilitator settles one, there is room for another.
    ASSERT_TRUE(s.db->handle_report(room, first_id, report_state::dismissed, f.id));
    EXPECT_TRUE(s.db->file_report(one_more));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreReports, testing::all_backends(), testing::backend_name);

}  // namespace
}  // namespace circles::storage
