// Facilitator actions in the store: moving a message between held, visible and removed; the
// room's controls; mutes that lapse by themselves; removing a member. Every change leaves one
// audit entry with the cited rule and reason and no message text, and the chain still
// verifies. Both backends alike.
#include <gtest/gtest.h>

#include "circles/storage/audit.hpp"
#include "circles/storage/store.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

const citation why{2, "kept the group safe"};

class StoreActions : public testing::store_test {
  protected:
    long long audit_count(const std::string& action) {
        return raw().scalar("SELECT count(*) FROM audit_log WHERE action = '" + action + "'");
    }
    std::string last_detail(const std::string& action) {
        return raw().text("SELECT detail FROM audit_log WHERE action = '" + action +
                          "' ORDER BY id DESC LIMIT 1");
    }
    user facilitator(testing::seeded_store& s) {
        auto f =
            s.db->create_user_without_password(s.sch.id, "fac", "Facilitator", role::facilitator);
        EXPECT_TRUE(f);
        return f ? *f : user{};
    }
    seq_t post(testing::seeded_store& s, std::string cmid, std::string text,
               message_status status = message_status::visible) {
        auto req =
            testing::make_request(s.rooms[0].id, s.student.id, std::move(cmid), std::move(text));
        req.status = status;
        auto r = testing::append_and_wait(*s.db, std::move(req));
        EXPECT_TRUE(r);
        return r ? r->seq : 0;
    }
    static std::int64_t now() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

TEST_P(StoreActions, MessagesMoveFromHeldToVisibleOrRemovedAndNeverBack) {
    auto s = open_seeded();
    const auto f = facilitator(s);
    const auto room = s.rooms[0].id;
    const auto held1 = post(s, "h1", "held one", message_status::held);
    const auto held2 = post(s, "h2", "held two", message_status::held);
    const auto shown = post(s, "v1", "visible one");

    auto queue = s.db->held_messages(room, 50);
    ASSERT_TRUE(queue);
    ASSERT_EQ(queue->size(), 2u);
    EXPECT_EQ((*queue)[0].seq, held1);
    EXPECT_EQ((*queue)[0].text, "held one");
    EXPECT_EQ((*queue)[1].seq, held2);

    auto approved = s.db->moderate_message(room, held1, message_status::visible, f.id, why);
    ASSERT_TRUE(approved);
    EXPECT_EQ(approved->status, message_status::visible);
    EXPECT_EQ(approved->text, "held one");
    EXPECT_EQ(approved->seq, held1);
    EXPECT_EQ(audit_count("message.approved"), 1);
    EXPECT_EQ(last_detail("message.approved"), "ground_rule=2 reason=kept the group safe");

    auto rejected = s.db->moderate_message(room, held2, message_status::removed, f.id, why);
    ASSERT_TRUE(rejected);
    EXPECT_EQ(rejected->status, message_status::removed);
    auto removed = s.db->moderate_message(room, shown, message_status::removed, f.id, why);
    ASSERT_TRUE(removed);
    EXPECT_EQ(audit_count("message.removed"), 2);

    // Repeats change nothing and are not audited again.
    ASSERT_TRUE(s.db->moderate_message(room, held1, message_status::visible, f.id, why));
    ASSERT_TRUE(s.db->moderate_message(room, shown, message_status::removed, f.id, why));
    EXPECT_EQ(audit_count("message.approved"), 1);
    EXPECT_EQ(audit_count("message.removed"), 2);

    // A removed message is never shown again, and nothing goes back to held.
    EXPECT_EQ(s.db->moderate_message(room, shown, message_status::visible, f.id, why).error(),
              make_error_code(errc::invalid_argument));
    EXPECT_EQ(s.db->moderate_message(room, held1, message_status::held, f.id, why).error(),
              make_error_code(errc::invalid_argument));
    EXPECT_EQ(s.db->moderate_message(room, 999, message_status::removed, f.id, why).error(),
              make_error_code(errc::not_found));
    EXPECT_EQ(s.db->moderate_message(room, held1, message_status::removed, f.id, {0, "x"}).error(),
              make_error_code(errc::invalid_argument));

    // History shows what happened; the queue is empty.
    auto page = s.db->history(room, 0, 10);
    ASSERT_TRUE(page);
    ASSERT_EQ(page->messages.size(), 3u);
    EXPECT_EQ(page->messages[0].status, message_status::visible);
    EXPECT_EQ(page->messages[1].status, message_status::removed);
    EXPECT_EQ(page->messages[2].status, message_status::removed);
    EXPECT_TRUE(s.db->held_messages(room, 50)->empty());

    // No message text in any audit entry, and the chain verifies.
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM audit_log WHERE detail LIKE '%held one%'"
                           " OR detail LIKE '%visible one%' OR target LIKE '%held%'"),
              0);
    s.db.reset();
    const auto verdict = verify_audit(url(), options().data_dir);
    EXPECT_TRUE(verdict.ok) << verdict.problem;
}

TEST_P(StoreActions, ASendsCheckReadsTheMembershipAndThePostingStateInOneGo) {
    auto s = open_seeded(2);
    const auto f = facilitator(s);
    const auto room = s.rooms[0].id;

    auto before = s.db->check_send(room, s.student.id, now());
    ASSERT_TRUE(before);
    EXPECT_TRUE(before->member);
    EXPECT_EQ(before->r.id, room);
    EXPECT_EQ(before->r.school, s.sch.id);
    EXPECT_EQ(before->r.name, "circle 0");
    EXPECT_EQ(before->r.kind, s.rooms[0].kind);
    EXPECT_EQ(before->r.epoch, 1u);
    EXPECT_FALSE(before->posting.controls.locked);
    EXPECT_FALSE(before->posting.session.open());

    ASSERT_TRUE(s.db->set_room_controls(room, {true, 30}, f.id, why));
    auto opened = s.db->open_session(room, f.id);
    ASSERT_TRUE(opened);
    const auto until = now() + 60'000;
    ASSERT_TRUE(s.db->mute_member(room, s.student.id, until, f.id, why));

    // What the facilitator set, with the open session and who opened it.
    auto after = s.db->check_send(room, s.student.id, now());
    ASSERT_TRUE(after);
    EXPECT_TRUE(after->member);
    EXPECT_TRUE(after->posting.controls.locked);
    EXPECT_EQ(after->posting.controls.slow_mode_seconds, 30);
    EXPECT_EQ(after->posting.muted_until_ms, until);
    EXPECT_TRUE(after->posting.session.open());
    EXPECT_EQ(after->posting.session.id, opened->id);
    EXPECT_EQ(after->posting.session.opened_by, f.id);
    // Another member is not muted; a mute read after its end has lapsed.
    auto other = s.db->check_send(room, f.id, now());
    ASSERT_TRUE(other);
    EXPECT_EQ(other->posting.muted_until_ms, 0);
    EXPECT_EQ(s.db->check_send(room, s.student.id, until + 1)->posting.muted_until_ms, 0);

    // Not a member: the room and its state, with member false. An unknown room: not_found.
    ASSERT_TRUE(s.db->remove_member(s.rooms[1].id, s.student.id));
    auto outside = s.db->check_send(s.rooms[1].id, s.student.id, now());
    ASSERT_TRUE(outside);
    EXPECT_FALSE(outside->member);
    EXPECT_EQ(outside->r.id, s.rooms[1].id);
    EXPECT_FALSE(outside->posting.controls.locked);
    EXPECT_EQ(s.db->check_send(room + 100, s.student.id, now()).error(),
              make_error_code(errc::not_found));
}

// Each send's check may be served from what an earlier send read (the SQLite store keeps it
// until the directory changes): every change a facilitator makes must show in the very next
// check, and a mute must read the same whatever time an earlier check asked about.
TEST_P(StoreActions, ASendsCheckSeesEachChangeAtOnceAndAMuteAtAnyTime) {
    auto s = open_seeded(2);
    const auto f = facilitator(s);
    const auto room = s.rooms[0].id;
    const auto student = s.student.id;
    // Two checks in a row: the first reads the database, the second may be served again.
    const auto check = [&](std::int64_t at) {
        auto first = s.db->check_send(room, student, at);
        auto second = s.db->check_send(room, student, at);
        EXPECT_TRUE(first && second);
        if (!first || !second) return send_check{};
        EXPECT_EQ(first->member, second->member);
        EXPECT_EQ(first->posting.controls.locked, second->posting.controls.locked);
        EXPECT_EQ(first->posting.session.id, second->posting.session.id);
        EXPECT_EQ(first->posting.muted_until_ms, second->posting.muted_until_ms);
        return *second;
    };

    EXPECT_FALSE(check(now()).posting.controls.locked);
    ASSERT_TRUE(s.db->set_room_controls(room, {true, 30}, f.id, why));
    auto c = check(now());
    EXPECT_TRUE(c.posting.controls.locked);
    EXPECT_EQ(c.posting.controls.slow_mode_seconds, 30);
    ASSERT_TRUE(s.db->set_room_controls(room, {false, 0}, f.id, why));
    EXPECT_FALSE(check(now()).posting.controls.locked);

    EXPECT_FALSE(check(now()).posting.session.open());
    auto opened = s.db->open_session(room, f.id);
    ASSERT_TRUE(opened);
    EXPECT_EQ(check(now()).posting.session.id, opened->id);
    ASSERT_TRUE(s.db->close_session(room, f.id));
    EXPECT_FALSE(check(now()).posting.session.open());

    // A check at a time past the mute's end, then one now: the mute is still on now.
    const auto until = now() + 60'000;
    ASSERT_TRUE(s.db->mute_member(room, student, until, f.id, why));
    EXPECT_EQ(check(until + 1).posting.muted_until_ms, 0);
    EXPECT_EQ(check(now()).posting.muted_until_ms, until);
    ASSERT_TRUE(s.db->mute_member(room, student, 0, f.id, why));
    EXPECT_EQ(check(now()).posting.muted_until_ms, 0);

    ASSERT_TRUE(s.db->remove_member(room, student));
    EXPECT_FALSE(check(now()).member);
    ASSERT_TRUE(s.db->add_member(room, student));
    EXPECT_TRUE(check(now()).member);
    // Another room's check is its own, not the kept check of the first room.
    auto other = s.db->check_send(s.rooms[1].id, student, now());
    ASSERT_TRUE(other);
    EXPECT_EQ(other->r.id, s.rooms[1].id);
    EXPECT_EQ(other->r.name, "circle 1");
}

TEST_P(StoreActions, ControlsAndMutesAreReadInOneGoAndMutesLapse) {
    auto s = open_seeded(2);
    const auto f = facilitator(s);
    const auto room = s.rooms[0].id;

    auto before = s.db->posting_state_of(room, s.student.id, now());
    ASSERT_TRUE(before);
    EXPECT_FALSE(before->controls.locked);
    EXPECT_EQ(before->controls.slow_mode_seconds, 0);
    EXPECT_EQ(before->muted_until_ms, 0);
    EXPECT_FALSE(before->session.open());

    auto set = s.db->set_room_controls(room, {true, 30}, f.id, why);
    ASSERT_TRUE(set);
    ASSERT_TRUE(s.db->open_session(room, f.id));
    const auto until = now() + 60'000;
    ASSERT_TRUE(s.db->mute_member(room, s.student.id, until, f.id, why));

    auto after = s.db->posting_state_of(room, s.student.id, now());
    ASSERT_TRUE(after);
    EXPECT_TRUE(after->controls.locked);
    EXPECT_EQ(after->controls.slow_mode_seconds, 30);
    EXPECT_EQ(after->muted_until_ms, until);
    EXPECT_TRUE(after->session.open());
    EXPECT_EQ(last_detail("room.controls"),
              "locked=1 slow_mode_seconds=30 ground_rule=2 reason=kept the group safe");
    EXPECT_EQ(audit_count("member.muted"), 1);

    // Per room: the other room is untouched.
    auto other = s.db->posting_state_of(s.rooms[1].id, s.student.id, now());
    ASSERT_TRUE(other);
    EXPECT_FALSE(other->controls.locked);
    EXPECT_EQ(other->muted_until_ms, 0);

    // A mute lapses by itself: read after its end, it is gone.
    auto later = s.db->posting_state_of(room, s.student.id, until + 1);
    ASSERT_TRUE(later);
    EXPECT_EQ(later->muted_until_ms, 0);
    auto mutes = s.db->mutes_of(room, now());
    ASSERT_TRUE(mutes);
    ASSERT_EQ(mutes->size(), 1u);
    EXPECT_EQ((*mutes)[0].user, s.student.id);
    EXPECT_TRUE(s.db->mutes_of(room, until + 1)->empty());

    // Lifted early.
    ASSERT_TRUE(s.db->mute_member(room, s.student.id, 0, f.id, why));
    EXPECT_EQ(s.db->posting_state_of(room, s.student.id, now())->muted_until_ms, 0);
    EXPECT_EQ(audit_count("member.unmuted"), 1);

    // Refused: a slow mode past an hour, a reason over two lines, a member of no such room.
    EXPECT_EQ(s.db->set_room_controls(room, {false, 3601}, f.id, why).error(),
              make_error_code(errc::invalid_argument));
    EXPECT_EQ(s.db->set_room_controls(room, {false, 0}, f.id, {1, "two\nlines"}).error(),
              make_error_code(errc::invalid_argument));
    EXPECT_EQ(s.db->set_room_controls(room, {false, 0}, f.id, {1, std::string(201, 'x')}).error(),
              make_error_code(errc::invalid_argument));
    EXPECT_EQ(s.db->set_room_controls(room + 100, {false, 0}, f.id, why).error(),
              make_error_code(errc::not_found));
    EXPECT_EQ(s.db->mute_member(room, f.id + 100, until, f.id, why).error(),
              make_error_code(errc::not_found));
    EXPECT_EQ(s.db->posting_state_of(room + 100, s.student.id, now()).error(),
              make_error_code(errc::not_found));
    EXPECT_EQ(audit_count("room.controls"), 1);
}

TEST_P(StoreActions, RemovingAMemberEndsMembershipAndMute) {
    auto s = open_seeded();
    const auto f = facilitator(s);
    const auto room = s.rooms[0].id;
    ASSERT_TRUE(s.db->mute_member(room, s.student.id, now() + 60'000, f.id, why));

    ASSERT_TRUE(s.db->expel_member(room, s.student.id, f.id, why));
    EXPECT_FALSE(*s.db->is_member(room, s.student.id));
    EXPECT_TRUE(s.db->mutes_of(room, now())->empty());
    EXPECT_EQ(audit_count("member.removed"), 1);
    EXPECT_EQ(raw().text("SELECT target FROM audit_log WHERE action = 'member.removed'"),
              "user:" + std::to_string(s.student.id));

    // Not a member any more: a second removal is refused and not audited.
    EXPECT_EQ(s.db->expel_member(room, s.student.id, f.id, why).error(),
              make_error_code(errc::not_found));
    EXPECT_EQ(audit_count("member.removed"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreActions, testing::all_backends(), testing::backend_name);

}  // namespace
}  // namespace circles::storage
