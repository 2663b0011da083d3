// Peer reports through the real server: a student reports a message, the room's staff (and
// only they) get it in their queue, nobody is shown who reported, the facilitator settles it
// by dismissing it or by removing the message, and the reporter is told. A safety report also
// reaches a counselor as an escalation about the message. Rooms run always live here.
#include <gtest/gtest.h>

#include "one_server_test.hpp"

namespace circles::test {
namespace {

class Reports : public one_server_test {
  protected:
    static v1::ServerFrame report(client& c, std::uint64_t room, std::uint64_t seq,
                                  v1::ReportCategory category, const std::string& note = "") {
        v1::ClientFrame f;
        auto* r = f.mutable_report_message();
        r->set_room_id(room);
        r->set_seq(seq);
        r->set_category(category);
        r->set_note(note);
        return ask(c, f);
    }
    static v1::ServerFrame list(client& c, std::uint64_t room) {
        v1::ClientFrame f;
        f.mutable_list_reports()->set_room_id(room);
        return ask(c, f);
    }
    static v1::ServerFrame handle(client& c, std::uint64_t room, std::uint64_t id,
                                  v1::ReportState outcome) {
        v1::ClientFrame f;
        auto* h = f.mutable_handle_report();
        h->set_room_id(room);
        h->set_report_id(id);
        h->set_outcome(outcome);
        return ask(c, f);
    }
    static bool filed(const v1::ServerFrame& f) {
        return f.request_id() == 0 && f.has_report_filed();
    }
    static bool handled(const v1::ServerFrame& f) {
        return f.request_id() == 0 && f.has_report_handled();
    }
};

TEST_F(Reports, AReportReachesOnlyStaffNamesNoReporterAndTheReporterHearsTheOutcome) {
    client alex = connect("alex");
    client sam = connect("sam");
    client jordan = connect("jordan");
    client facilitator = connect("facilitator");
    const auto room = alex.room_id("Lunch Bunch");
    for (client* c : {&alex, &sam, &jordan, &facilitator}) ASSERT_TRUE(c->join(room).has_joined());
    const std::string alex_name = alex.hello().me().display_name();

    const auto sent = sam.send_text(room, unique("m"), "nobody sits with jordan anyway");
    ASSERT_EQ(sent.ack().status(), v1::MESSAGE_STATUS_VISIBLE) << sent.DebugString();
    const auto seq = sent.ack().seq();

    auto ack = report(alex, room, seq, v1::REPORT_CATEGORY_UNKIND, "said this yesterday too");
    ASSERT_TRUE(ack.has_report_ack()) << ack.DebugString();
    EXPECT_FALSE(ack.report_ack().duplicate());
    EXPECT_FALSE(ack.report_ack().confirmation().empty());
    const auto& mine = ack.report_ack().report();
    EXPECT_EQ(mine.message().seq(), seq);
    EXPECT_EQ(mine.state(), v1::REPORT_STATE_OPEN);
    EXPECT_EQ(mine.escalation_id(), 0u);

    // The facilitator's queue gets it at once: the message, the category and the note.
    auto pushed = facilitator.wait_for(filed);
    ASSERT_TRUE(pushed) << "staff hear of a report at once";
    const auto& r = pushed->report_filed().report();
    EXPECT_EQ(r.report_id(), mine.report_id());
    EXPECT_EQ(r.category(), v1::REPORT_CATEGORY_UNKIND);
    EXPECT_EQ(r.note(), "said this yesterday too");
    EXPECT_EQ(r.message().text(), "nobody sits with jordan anyway");
    EXPECT_EQ(r.message().sender().display_name(), sam.hello().me().display_name());
    // Nothing in what staff receive names the reporter.
    EXPECT_EQ(pushed->SerializeAsString().find(alex_name), std::string::npos);
    // The other students, the author among them, are never told.
    EXPECT_FALSE(sam.receives_before_pong(filed));
    EXPECT_FALSE(jordan.receives_before_pong(filed));

    // Reporting again changes nothing and tells nobody twice.
    auto again = report(alex, room, seq, v1::REPORT_CATEGORY_OTHER);
    ASSERT_TRUE(again.has_report_ack()) << again.DebugString();
    EXPECT_TRUE(again.report_ack().duplicate());
    EXPECT_EQ(again.report_ack().report().report_id(), mine.report_id());
    EXPECT_FALSE(facilitator.receives_before_pong(filed));

    // Lists: the queue for staff; for a student only their own reports.
    auto queue = list(facilitator, room);
    ASSERT_TRUE(queue.has_reports()) << queue.DebugString();
    ASSERT_EQ(queue.reports().reports_size(), 1);
    EXPECT_EQ(queue.reports().reports(0).note(), "said this yesterday too");
    EXPECT_EQ(list(sam, room).reports().reports_size(), 0) << "the author sees no report";
    ASSERT_EQ(list(alex, room).reports().reports_size(), 1);

    // Dismissed: the reporter is told, with a notice; the author is not.
    auto done = handle(facilitator, room, mine.report_id(), v1::REPORT_STATE_DISMISSED);
    ASSERT_TRUE(done.has_report_handled()) << done.DebugString();
    EXPECT_EQ(done.report_handled().report().state(), v1::REPORT_STATE_DISMISSED);
    auto told = alex.wait_for(handled);
    ASSERT_TRUE(told) << "the reporter is told when it was handled";
    EXPECT_EQ(told->report_handled().report().report_id(), mine.report_id());
    EXPECT_EQ(told->report_handled().report().state(), v1::REPORT_STATE_DISMISSED);
    EXPECT_FALSE(told->report_handled().notice().empty());
    EXPECT_FALSE(sam.receives_before_pong(handled));
    EXPECT_EQ(list(facilitator, room).reports().reports_size(), 0);
    auto alexs = list(alex, room);
    ASSERT_EQ(alexs.reports().reports_size(), 1);
    EXPECT_EQ(alexs.reports().reports(0).state(), v1::REPORT_STATE_DISMISSED)
        << "a reporter who was away learns the outcome from the list";
    // Settling twice tells nobody again.
    ASSERT_TRUE(handle(facilitator, room, mine.report_id(), v1::REPORT_STATE_ACTIONED)
                    .has_report_handled());
    EXPECT_FALSE(alex.receives_before_pong(handled));
}

TEST_F(Reports, RemovingTheMessageSettlesEveryReportOfItAndTellsEachReporter) {
    client alex = connect("alex");
    client sam = connect("sam");
    client jordan = connect("jordan");
    client facilitator = connect("facilitator");
    const auto room = alex.room_id("Lunch Bunch");
    for (client* c : {&alex, &sam, &jordan, &facilitator}) ASSERT_TRUE(c->join(room).has_joined());

    const auto seq =
        sam.send_text(room, unique("m"), "that is such a weird thing to say").ack().seq();
    const auto by_alex = report(alex, room, seq, v1::REPORT_CATEGORY_UNKIND);
    const auto by_jordan = report(jordan, room, seq, v1::REPORT_CATEGORY_OTHER, "it hurt");
    ASSERT_TRUE(by_alex.has_report_ack() && by_jordan.has_report_ack());

    v1::ClientFrame remove;
    auto* m = remove.mutable_moderate_message();
    m->set_room_id(room);
    m->set_seq(seq);
    m->set_decision(v1::MESSAGE_DECISION_REMOVE);
    m->mutable_citation()->set_ground_rule(2);
    m->mutable_citation()->set_reason("unkind to a member");
    ASSERT_TRUE(ask(facilitator, remove).has_moderated());

    // Each reporter hears of their own report, and only of it.
    for (auto [c, id] : {std::pair{&alex, by_alex.report_ack().report().report_id()},
                         std::pair{&jordan, by_jordan.report_ack().report().report_id()}}) {
        auto told = c->wait_for(handled);
        ASSERT_TRUE(told);
        EXPECT_EQ(told->report_handled().report().report_id(), id);
        EXPECT_EQ(told->report_handled().report().state(), v1::REPORT_STATE_ACTIONED);
        EXPECT_TRUE(told->report_handled().report().message().text().empty())
            << "a removed message travels without its text";
        EXPECT_FALSE(c->receives_before_pong(handled)) << "not the other reporter's";
    }
    EXPECT_FALSE(sam.receives_before_pong(handled));
    EXPECT_EQ(list(facilitator, room).reports().reports_size(), 0);
}

TEST_F(Reports, ASafetyReportReachesACounselorAsAnEscalationAboutTheMessage) {
    client alex = connect("alex");
    client sam = connect("sam");
    client facilitator = connect("facilitator");
    client counselor = connect("counselor");
    const auto room = alex.room_id("Lunch Bunch");
    for (client* c : {&alex, &sam, &facilitator}) ASSERT_TRUE(c->join(room).has_joined());

    const std::string worrying = "i gave away my stuff, won't need it after friday";
    const auto sent = sam.send_text(room, unique("m"), worrying);
    ASSERT_TRUE(sent.has_ack()) << sent.DebugString();
    // Whatever the policy made of the message itself, drain what it paged, if anything.
    const auto seq = sent.ack().seq();
    ASSERT_GT(seq, 0u);

    auto ack = report(alex, room, seq, v1::REPORT_CATEGORY_SAFETY, "i'm worried about sam");
    ASSERT_TRUE(ack.has_report_ack()) << ack.DebugString();
    EXPECT_EQ(ack.report_ack().report().escalation_id(), 0u) << "the reporter is not shown it";
    EXPECT_NE(ack.report_ack().confirmation().find("counselor"), std::string::npos);

    auto page = counselor.wait_for([](const v1::ServerFrame& f) {
        return f.has_escalation() &&
               f.escalation().escalation().source() == v1::ESCALATION_SOURCE_PEER_REPORT;
    });
    ASSERT_TRUE(page) << "a counselor is paged for a safety report";
    const auto& e = page->escalation().escalation();
    EXPECT_EQ(e.room_id(), room);
    EXPECT_EQ(e.text(), worrying) << "the counselor sees the message reported";
    EXPECT_EQ(e.sender().display_name(), sam.hello().me().display_name())
        << "about its author, never naming the reporter";
    EXPECT_EQ(page->SerializeAsString().find(alex.hello().me().display_name()), std::string::npos);

    auto pushed = facilitator.wait_for(filed);
    ASSERT_TRUE(pushed);
    EXPECT_EQ(pushed->report_filed().report().escalation_id(), e.escalation_id())
        << "staff see that a counselor was told";

    // A repeat opens no second escalation.
    ASSERT_TRUE(report(alex, room, seq, v1::REPORT_CATEGORY_SAFETY).report_ack().duplicate());
    v1::ClientFrame all;
    all.mutable_list_escalations();
    auto listed = ask(counselor, all);
    int peer_reports = 0;
    for (const auto& one : listed.escalations().escalations()) {
        if (one.source() == v1::ESCALATION_SOURCE_PEER_REPORT) ++peer_reports;
    }
    EXPECT_EQ(peer_reports, 1);
}

TEST_F(Reports, BadReportsAreRefusedWithTypedErrors) {
    client alex = connect("alex");
    client sam = connect("sam");
    client facilitator = connect("facilitator");
    const auto room = alex.room_id("Lunch Bunch");
    for (client* c : {&alex, &sam, &facilitator}) ASSERT_TRUE(c->join(room).has_joined());
    const auto own = alex.send_text(room, unique("m"), "my own message").ack().seq();
    const auto sams = sam.send_text(room, unique("m"), "sam's message").ack().seq();

    EXPECT_EQ(report(alex, room, own, v1::REPORT_CATEGORY_UNKIND).error().code(),
              v1::ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_EQ(report(alex, room, sams + 100, v1::REPORT_CATEGORY_UNKIND).error().code(),
              v1::ERROR_CODE_MESSAGE_NOT_FOUND);
    EXPECT_EQ(report(alex, room, sams, v1::REPORT_CATEGORY_UNSPECIFIED).error().code(),
              v1::ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_EQ(
        report(alex, room, sams, v1::REPORT_CATEGORY_OTHER, std::string(301, 'x')).error().code(),
        v1::ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_EQ(report(facilitator, room, sams, v1::REPORT_CATEGORY_UNKIND).error().code(),
              v1::ERROR_CODE_FORBIDDEN);
    EXPECT_EQ(report(alex, room + 1000, sams, v1::REPORT_CATEGORY_UNKIND).error().code(),
              v1::ERROR_CODE_ROOM_NOT_FOUND);

    const auto filed_one = report(alex, room, sams, v1::REPORT_CATEGORY_UNKIND);
    ASSERT_TRUE(filed_one.has_report_ack());
    const auto id = filed_one.report_ack().report().report_id();
    EXPECT_EQ(handle(alex, room, id, v1::REPORT_STATE_DISMISSED).error().code(),
              v1::ERROR_CODE_FORBIDDEN);
    EXPECT_EQ(handle(facilitator, room, id + 100, v1::REPORT_STATE_DISMISSED).error().code(),
              v1::ERROR_CODE_REPORT_NOT_FOUND);
    EXPECT_EQ(handle(facilitator, room, id, v1::REPORT_STATE_OPEN).error().code(),
              v1::ERROR_CODE_INVALID_ARGUMENT);
    // Nothing refused reached the queue.
    EXPECT_EQ(list(facilitator, room).reports().reports_size(), 1);
}

TEST_F(Reports, AFacilitatorRaisesAWorryAboutAMessageWithTheCounselorsOnce) {
    client sam = connect("sam");
    client facilitator = connect("facilitator");
    client counselor = connect("counselor");
    const auto room = sam.room_id("Lunch Bunch");
    for (client* c : {&sam, &facilitator}) ASSERT_TRUE(c->join(room).has_joined());
    const std::string text = "haven't really eaten properly all week";
    const auto sent = sam.send_text(room, unique("m"), text);
    ASSERT_EQ(sent.ack().status(), v1::MESSAGE_STATUS_VISIBLE) << sent.DebugString();
    const auto seq = sent.ack().seq();

    auto escalate = [&](client& c, std::uint64_t s) {
        v1::ClientFrame f;
        f.mutable_escalate_message()->set_room_id(room);
        f.mutable_escalate_message()->set_seq(s);
        return ask(c, f);
    };
    auto raised = escalate(facilitator, seq);
    ASSERT_TRUE(raised.has_escalation_raised()) << raised.DebugString();
    EXPECT_FALSE(raised.escalation_raised().duplicate());
    const auto id = raised.escalation_raised().escalation_id();
    auto page = counselor.wait_for([](const v1::ServerFrame& f) {
        return f.has_escalation() &&
               f.escalation().escalation().source() == v1::ESCALATION_SOURCE_FACILITATOR;
    });
    ASSERT_TRUE(page) << "the counselor is paged";
    EXPECT_EQ(page->escalation().escalation().escalation_id(), id);
    EXPECT_EQ(page->escalation().escalation().text(), text);
    EXPECT_EQ(page->escalation().escalation().sender().display_name(), "Quiet Fox");

    auto again = escalate(facilitator, seq);
    ASSERT_TRUE(again.has_escalation_raised());
    EXPECT_TRUE(again.escalation_raised().duplicate());
    EXPECT_EQ(again.escalation_raised().escalation_id(), id);
    EXPECT_EQ(escalate(sam, seq).error().code(), v1::ERROR_CODE_FORBIDDEN);
    EXPECT_EQ(escalate(facilitator, seq + 100).error().code(), v1::ERROR_CODE_MESSAGE_NOT_FOUND);
}

}  // namespace
}  // namespace circles::test
