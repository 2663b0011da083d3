// Case handling through the real server: a counselor reads a case (each read recorded), takes
// it with a note, sees the student's real name once it is acknowledged (each reveal recorded),
// and resolves it with an outcome; the room's staff are told it was followed up and nothing
// more, its students nothing at all. A counselor may join a room of the school to observe: its
// members see them present; they may not post there. Rooms run always live here.
#include <gtest/gtest.h>

#include "one_server_test.hpp"

namespace circles::test {
namespace {

class Cases : public one_server_test {
  protected:
    // alex presses "I need to talk" in the room: a durable escalation; its id.
    static std::uint64_t need_to_talk(client& alex, std::uint64_t room) {
        v1::ClientFrame f;
        f.mutable_need_to_talk()->set_room_id(room);
        f.mutable_need_to_talk()->set_client_msg_id("talk-1");
        return ask(alex, f).need_to_talk_ack().escalation_id();
    }
    static v1::ServerFrame get_case(client& c, std::uint64_t id) {
        v1::ClientFrame f;
        f.mutable_get_case()->set_escalation_id(id);
        return ask(c, f);
    }
    static v1::ServerFrame update(client& c, std::uint64_t id, v1::EscalationState to,
                                  v1::CaseOutcome outcome, const std::string& note) {
        v1::ClientFrame f;
        auto* u = f.mutable_update_case();
        u->set_escalation_id(id);
        u->set_state(to);
        u->set_outcome(outcome);
        u->set_note(note);
        return ask(c, f);
    }
    static v1::ServerFrame reveal(client& c, std::uint64_t id) {
        v1::ClientFrame f;
        f.mutable_reveal_identity()->set_escalation_id(id);
        return ask(c, f);
    }
    std::string audit(const std::string& where) {
        return sqlite_scalar(server_->data_dir() / "circles.db",
                             "SELECT count(*) FROM audit_log WHERE " + where);
    }
};

TEST_F(Cases, ACounselorWorksACaseToResolutionAndTheRoomIsToldOnlyThatItWasFollowedUp) {
    client alex = connect("alex");
    client sam = connect("sam");
    client facilitator = connect("facilitator");
    client counselor = connect("counselor");
    const auto room = alex.room_id("Lunch Bunch");
    for (client* c : {&alex, &sam, &facilitator}) ASSERT_TRUE(c->join(room).has_joined());
    const auto id = need_to_talk(alex, room);
    ASSERT_GT(id, 0u);

    auto file = get_case(counselor, id);
    ASSERT_TRUE(file.has_case_file()) << file.DebugString();
    EXPECT_EQ(file.case_file().escalation().state(), v1::ESCALATION_STATE_OPEN);
    EXPECT_EQ(file.case_file().escalation().sender().display_name(), "Blue Heron");
    EXPECT_EQ(file.case_file().notes_size(), 0);
    EXPECT_EQ(audit("action = 'case.viewed' AND actor_id > 0"), "1") << "each read is recorded";
    v1::ClientFrame list;
    list.mutable_list_escalations();
    ASSERT_EQ(ask(counselor, list).escalations().escalations_size(), 1);
    EXPECT_EQ(audit("action = 'escalations.listed' AND detail = 'state=open count=1'"), "1")
        << "reading the list is recorded too";

    // No name while the case is open.
    EXPECT_EQ(reveal(counselor, id).error().code(), v1::ERROR_CODE_FORBIDDEN);

    const std::string note = "spoke with her at lunch; safe at home";
    auto taken =
        update(counselor, id, v1::ESCALATION_STATE_IN_PROGRESS, v1::CASE_OUTCOME_UNSPECIFIED, note);
    ASSERT_TRUE(taken.has_case_file()) << taken.DebugString();
    const auto& in_progress = taken.case_file();
    EXPECT_EQ(in_progress.escalation().state(), v1::ESCALATION_STATE_IN_PROGRESS);
    EXPECT_EQ(in_progress.taken_by().display_name(), counselor.hello().me().display_name());
    EXPECT_EQ(in_progress.acknowledged_by().user_id(), counselor.hello().me().user_id());
    ASSERT_EQ(in_progress.notes_size(), 1);
    EXPECT_EQ(in_progress.notes(0).text(), note);
    auto changed = counselor.wait_for([](const v1::ServerFrame& f) {
        return f.has_escalation() &&
               f.escalation().escalation().state() == v1::ESCALATION_STATE_IN_PROGRESS;
    });
    EXPECT_TRUE(changed) << "the school's counselors see the case move";

    auto shown = reveal(counselor, id);
    ASSERT_TRUE(shown.has_identity_revealed()) << shown.DebugString();
    EXPECT_EQ(shown.identity_revealed().real_name(), "Alex Morgan");
    EXPECT_EQ(shown.identity_revealed().student().display_name(), "Blue Heron");
    EXPECT_EQ(audit("action = 'identity.revealed'"), "1");

    auto resolved = update(counselor, id, v1::ESCALATION_STATE_RESOLVED,
                           v1::CASE_OUTCOME_SUPPORTED_IN_SCHOOL, "");
    ASSERT_TRUE(resolved.has_case_file()) << resolved.DebugString();
    EXPECT_EQ(resolved.case_file().escalation().state(), v1::ESCALATION_STATE_RESOLVED);
    EXPECT_EQ(resolved.case_file().outcome(), v1::CASE_OUTCOME_SUPPORTED_IN_SCHOOL);
    EXPECT_GT(resolved.case_file().resolved_at_ms(), 0u);

    // The facilitator is told it was followed up: no outcome, no note, no name.
    auto told =
        facilitator.wait_for([](const v1::ServerFrame& f) { return f.has_case_resolved(); });
    ASSERT_TRUE(told) << "the room's facilitator is told when it is resolved";
    EXPECT_EQ(told->case_resolved().escalation_id(), id);
    EXPECT_EQ(told->case_resolved().room_id(), room);
    EXPECT_FALSE(told->case_resolved().notice().empty());
    const auto bytes = told->SerializeAsString();
    EXPECT_EQ(bytes.find("Alex Morgan"), std::string::npos);
    EXPECT_EQ(bytes.find("lunch"), std::string::npos);
    auto resolved_frame = [](const v1::ServerFrame& f) { return f.has_case_resolved(); };
    EXPECT_FALSE(alex.receives_before_pong(resolved_frame));
    EXPECT_FALSE(sam.receives_before_pong(resolved_frame));

    // A resolved case does not move again; staff and students never read a case.
    EXPECT_EQ(
        update(counselor, id, v1::ESCALATION_STATE_IN_PROGRESS, v1::CASE_OUTCOME_UNSPECIFIED, "")
            .error()
            .code(),
        v1::ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_EQ(get_case(facilitator, id).error().code(), v1::ERROR_CODE_FORBIDDEN);
    EXPECT_EQ(get_case(alex, id).error().code(), v1::ERROR_CODE_FORBIDDEN);
    EXPECT_EQ(reveal(facilitator, id).error().code(), v1::ERROR_CODE_FORBIDDEN);
    EXPECT_EQ(get_case(counselor, id + 100).error().code(), v1::ERROR_CODE_ESCALATION_NOT_FOUND);
    EXPECT_EQ(update(counselor, id, v1::ESCALATION_STATE_RESOLVED, v1::CASE_OUTCOME_UNSPECIFIED, "")
                  .error()
                  .code(),
              v1::ERROR_CODE_INVALID_ARGUMENT)
        << "resolving needs an outcome";

    // The record: who did what, and never the note or the name.
    EXPECT_EQ(audit("action = 'escalation.in_progress'"), "1");
    EXPECT_EQ(audit("action = 'escalation.resolved' AND detail LIKE '%supported_in_school%'"), "1");
    EXPECT_EQ(audit("action = 'case.note'"), "1");
    EXPECT_EQ(audit("detail LIKE '%lunch%' OR detail LIKE '%Morgan%'"), "0");
}

TEST_F(Cases, ACounselorObservesARoomMembersSeeThemAndTheyDoNotPost) {
    client alex = connect("alex");
    client counselor = connect("counselor");
    const auto room = alex.room_id("Lunch Bunch");
    ASSERT_TRUE(alex.join(room).has_joined());

    auto joined = counselor.join(room);
    ASSERT_TRUE(joined.has_joined()) << "a counselor of the school may observe any of its rooms";
    auto seen = alex.wait_for([](const v1::ServerFrame& f) {
        return f.has_presence() && f.presence().present() &&
               f.presence().member().role() == v1::ROLE_COUNSELOR;
    });
    ASSERT_TRUE(seen) << "members see that a counselor is present";
    EXPECT_EQ(audit("action = 'room.observed' AND room_id = " + std::to_string(room)), "1")
        << "observing a room is on record";

    auto posted = counselor.send_text(room, "obs-1", "hello everyone");
    ASSERT_TRUE(posted.has_error()) << posted.DebugString();
    EXPECT_EQ(posted.error().code(), v1::ERROR_CODE_NOT_A_MEMBER) << "an observer does not post";

    // A student may not join a room that is not theirs.
    client riley = connect("riley");
    EXPECT_EQ(riley.join(room).error().code(), v1::ERROR_CODE_NOT_A_MEMBER);
}

TEST_F(Cases, AnAdministratorRecordsARealNameWhichIsNeverPrintedBack) {
    client alex = connect("alex");
    client counselor = connect("counselor");
    const auto room = alex.room_id("Lunch Bunch");
    ASSERT_TRUE(alex.join(room).has_joined());
    const auto data = " --data " + server_->data_dir().string();

    auto set = run_circles("admin real-name --user alex --name 'Alexandra Morgan'" + data);
    ASSERT_EQ(set.status, 0) << set.output;
    EXPECT_NE(set.output.find("Blue Heron"), std::string::npos) << set.output;
    EXPECT_EQ(set.output.find("Alexandra"), std::string::npos) << "the name is not printed back";
    EXPECT_NE(run_circles("admin real-name --user counselor --name 'Someone'" + data).status, 0)
        << "only students have real names on record";
    EXPECT_NE(run_circles("admin real-name --user nobody --name 'Someone'" + data).status, 0);

    const auto id = need_to_talk(alex, room);
    v1::ClientFrame ack;
    ack.mutable_ack_escalation()->set_escalation_id(id);
    ASSERT_TRUE(ask(counselor, ack).has_escalation_acked());
    EXPECT_EQ(reveal(counselor, id).identity_revealed().real_name(), "Alexandra Morgan");

    ASSERT_EQ(run_circles("admin real-name --user alex --name none" + data).status, 0);
    auto none = reveal(counselor, id);
    ASSERT_TRUE(none.has_identity_revealed()) << none.DebugString();
    EXPECT_EQ(none.identity_revealed().real_name(), "") << "removed: nothing to show";
    EXPECT_EQ(audit("action = 'identity.revealed'"), "2") << "both requests are on record";
    EXPECT_EQ(audit("action = 'identity.removed'"), "1");
}

}  // namespace
}  // namespace circles::test
