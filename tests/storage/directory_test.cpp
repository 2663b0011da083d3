// Schools, users, rooms, membership, passwords and sessions.
#include <gtest/gtest.h>
#include <sodium.h>

#include "circles/storage/keyring.hpp"
#include "circles/storage/store.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

using testing::append_and_wait;
using testing::make_request;

class StoreDirectory : public testing::store_test {};

TEST_P(StoreDirectory, PasswordVerifyAcceptsRightAndRefusesWrong) {
    auto s = open_seeded(0);

    auto ok = s.db->verify_password("ana", "pw-ana-1");
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->id, s.student.id);
    EXPECT_EQ(s.db->verify_password("ana", "pw-ana-2").error(),
              make_error_code(errc::bad_credentials));
    EXPECT_EQ(s.db->verify_password("nobody", "pw-ana-1").error(),
              make_error_code(errc::bad_credentials));

    const std::string hash = raw().text("SELECT password_hash FROM users");
    EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << "not an Argon2id hash";
}

TEST_P(StoreDirectory, SchoolsAndUsersAreUnique) {
    auto s = open_seeded(0);
    EXPECT_EQ(s.db->create_school("maple-grove", "Again").error(),
              make_error_code(errc::already_exists));
    EXPECT_EQ(s.db->find_school("nope").error(), make_error_code(errc::not_found));
    EXPECT_EQ(s.db->create_school("", "x").error(), make_error_code(errc::invalid_argument));

    // Same username, or same pseudonym in the same school: refused.
    EXPECT_EQ(s.db->create_user(s.sch.id, "ana", "Green Fern", role::student, "pw").error(),
              make_error_code(errc::already_exists));
    EXPECT_EQ(s.db->create_user(s.sch.id, "bea", "Blue Heron", role::student, "pw").error(),
              make_error_code(errc::already_exists));
    EXPECT_EQ(s.db->create_user(s.sch.id + 5, "cal", "Cal", role::student, "pw").error(),
              make_error_code(errc::not_found));

    auto ana = s.db->get_user(s.student.id);
    ASSERT_TRUE(ana.has_value());
    EXPECT_EQ(ana->username, "ana");
    EXPECT_EQ(ana->school, s.sch.id);
    EXPECT_EQ(ana->user_role, role::student);
    EXPECT_EQ(s.db->get_user(s.student.id + 1).error(), make_error_code(errc::not_found));
}

TEST_P(StoreDirectory, MembershipIsAddedListedAndRemoved) {
    auto s = open_seeded(2);
    const auto& a = s.rooms[0];
    const auto& b = s.rooms[1];
    EXPECT_TRUE(s.db->is_member(a.id, s.student.id).value());
    EXPECT_TRUE(s.db->add_member(a.id, s.student.id).has_value());  // again: no-op

    auto rooms = s.db->rooms_of(s.student.id);
    ASSERT_TRUE(rooms.has_value());
    ASSERT_EQ(rooms->size(), 2u);
    EXPECT_EQ((*rooms)[0].name, "circle 0");
    EXPECT_EQ((*rooms)[1].kind, room_kind::peer_network);
    auto members = s.db->members_of(b.id);
    ASSERT_TRUE(members.has_value());
    ASSERT_EQ(members->size(), 1u);
    EXPECT_EQ((*members)[0].display_name, "Blue Heron");

    EXPECT_TRUE(s.db->remove_member(b.id, s.student.id).has_value());
    EXPECT_FALSE(s.db->is_member(b.id, s.student.id).value());
    EXPECT_EQ(s.db->remove_member(b.id, s.student.id).error(), make_error_code(errc::not_found));
    EXPECT_EQ(s.db->rooms_of(s.student.id)->size(), 1u);
    EXPECT_EQ(s.db->add_member(b.id + 100, s.student.id).error(), make_error_code(errc::not_found));

    // Rooms never mix schools.
    auto other = s.db->create_school("oak-hill", "Oak Hill").value();
    auto their_room = s.db->create_room(other.id, "theirs", room_kind::gsa).value();
    EXPECT_EQ(s.db->add_member(their_room.id, s.student.id).error(),
              make_error_code(errc::invalid_argument));
    EXPECT_EQ(s.db->create_room(other.id + 100, "x", room_kind::gsa).error(),
              make_error_code(errc::not_found));
}

TEST_P(StoreDirectory, MembershipReadsTheRoomAndWhetherTheUserBelongsAtOnce) {
    auto s = open_seeded(2);
    const auto& a = s.rooms[0];
    const auto& b = s.rooms[1];
    ASSERT_TRUE(append_and_wait(*s.db, make_request(a.id, s.student.id, "m1", "hello")));
    EXPECT_TRUE(s.db->remove_member(b.id, s.student.id).has_value());

    auto in = s.db->membership(a.id, s.student.id, store::last_seq_read::read);
    ASSERT_TRUE(in.has_value());
    EXPECT_TRUE(in->member);
    EXPECT_EQ(in->r.id, a.id);
    EXPECT_EQ(in->r.school, s.sch.id);
    EXPECT_EQ(in->r.name, "circle 0");
    EXPECT_EQ(in->r.kind, a.kind);
    EXPECT_EQ(in->r.epoch, 1u);
    EXPECT_EQ(in->r.last_seq, 1u);

    auto out = s.db->membership(b.id, s.student.id, store::last_seq_read::read);
    ASSERT_TRUE(out.has_value());
    EXPECT_FALSE(out->member);
    EXPECT_EQ(out->r.id, b.id);
    constexpr auto skip = store::last_seq_read::skip;
    EXPECT_FALSE(s.db->membership(a.id, s.student.id + 100, skip)->member);
    EXPECT_EQ(s.db->membership(b.id + 100, s.student.id, skip).error(),
              make_error_code(errc::not_found));
    // A send's check: the same room and membership, without working out the last seq.
    auto sending = s.db->membership(a.id, s.student.id, skip);
    ASSERT_TRUE(sending.has_value());
    EXPECT_TRUE(sending->member);
    EXPECT_EQ(sending->r.id, a.id);
    EXPECT_EQ(sending->r.kind, a.kind);
}

TEST_P(StoreDirectory, CreateRoomStoresItsKeyWrappedByTheMasterKey) {
    auto options = this->options();
    auto s = open_seeded(options, 2);
    auto r = s.db->get_room(s.rooms[1].id);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->epoch, 1u);
    EXPECT_EQ(r->last_seq, 0u);

    EXPECT_EQ(raw().scalar("SELECT count(*) FROM room_keys"), 2);
    const auto key_id =
        raw().scalar("SELECT key_id FROM rooms WHERE id = " + std::to_string(r->id));
    ASSERT_GT(key_id, 0);
    const std::string row = " FROM room_keys WHERE key_id = " + std::to_string(key_id);
    sealed wrapped{raw().blob("SELECT nonce" + row), raw().blob("SELECT ciphertext" + row)};
    EXPECT_EQ(wrapped.nonce.size(), 24u);
    auto master = load_or_create_master_key(options.data_dir / "master.key");
    EXPECT_TRUE(unwrap_key(*master, wrapped, key_id).has_value());
}

TEST_P(StoreDirectory, SessionsAreCreatedLookedUpExpiredAndRevoked) {
    auto s = open_seeded(0);

    auto token = s.db->create_session(s.student.id, std::chrono::hours(8));
    ASSERT_TRUE(token.has_value());
    EXPECT_EQ(token->size(), 43u);  // 32 bytes, URL-safe base64, no padding
    EXPECT_EQ(token->find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    EXPECT_NE(*token, s.db->create_session(s.student.id, std::chrono::hours(8)).value());

    const auto before = std::chrono::system_clock::now();
    auto who = s.db->user_for_session(*token);
    ASSERT_TRUE(who.has_value());
    EXPECT_EQ(who->id, s.student.id);
    // The session says when it ends: eight hours after it was created, to the millisecond.
    auto found = s.db->find_session(*token);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->who.id, s.student.id);
    EXPECT_EQ(found->who.display_name, s.student.display_name);
    EXPECT_LE(found->expires_at, before + std::chrono::hours(8) + std::chrono::milliseconds(1));
    EXPECT_GE(found->expires_at, before + std::chrono::hours(8) - std::chrono::seconds(60));
    EXPECT_EQ(s.db->user_for_session("not-a-token").error(), make_error_code(errc::not_found));
    std::string forged = *token;
    forged[0] = forged[0] == 'A' ? 'B' : 'A';
    EXPECT_EQ(s.db->user_for_session(forged).error(), make_error_code(errc::not_found));

    EXPECT_EQ(raw().scalar("SELECT count(*) FROM sessions"), 2);
    EXPECT_EQ(raw().scalar("SELECT min(length(token_hash)) FROM sessions"), 32);

    // Expiry: move this session's expiry into the past behind the store's back.
    unsigned char hash[32];
    crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(token->data()),
                       token->size(), nullptr, 0);
    const std::string this_session = " WHERE token_hash = " + raw().blob_literal(hash);
    ASSERT_EQ(raw().scalar("SELECT count(*) FROM sessions" + this_session), 1);
    raw().exec("UPDATE sessions SET expires_at_ms = 1" + this_session);
    EXPECT_EQ(s.db->user_for_session(*token).error(), make_error_code(errc::expired));

    EXPECT_TRUE(s.db->revoke_session(*token).has_value());
    EXPECT_EQ(s.db->user_for_session(*token).error(), make_error_code(errc::not_found));
    EXPECT_EQ(s.db->revoke_session(*token).error(), make_error_code(errc::not_found));
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM sessions"), 1);

    EXPECT_EQ(s.db->create_session(s.student.id, std::chrono::seconds(0)).error(),
              make_error_code(errc::invalid_argument));
    EXPECT_EQ(s.db->create_session(s.student.id + 9, std::chrono::hours(1)).error(),
              make_error_code(errc::not_found));
}

TEST_P(StoreDirectory, ExpiredSessionsArePurgedAndLiveOnesKept) {
    auto s = open_seeded(0);
    auto live = s.db->create_session(s.student.id, std::chrono::hours(8));
    auto ended = s.db->create_session(s.student.id, std::chrono::hours(8));
    auto also_ended = s.db->create_session(s.student.id, std::chrono::hours(8));
    ASSERT_TRUE(live && ended && also_ended);
    const auto hash_of = [this](const std::string& token) {
        unsigned char hash[32];
        crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(token.data()),
                           token.size(), nullptr, 0);
        return raw().blob_literal(hash);
    };
    raw().exec("UPDATE sessions SET expires_at_ms = 1000 WHERE token_hash = " + hash_of(*ended));
    raw().exec("UPDATE sessions SET expires_at_ms = 2000 WHERE token_hash = " +
               hash_of(*also_ended));

    auto first = s.db->purge_expired_sessions(1000);  // ends at or before the time go
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, 1u);
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM sessions"), 2);
    EXPECT_EQ(s.db->user_for_session(*also_ended).error(), make_error_code(errc::expired));

    auto second =
        s.db->purge_expired_sessions(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count());
    ASSERT_TRUE(second);
    EXPECT_EQ(*second, 1u);
    EXPECT_EQ(s.db->user_for_session(*also_ended).error(), make_error_code(errc::not_found));
    auto who = s.db->user_for_session(*live);
    ASSERT_TRUE(who) << "a live session is never purged";
    EXPECT_EQ(who->id, s.student.id);
    EXPECT_EQ(s.db->purge_expired_sessions(2000).value(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreDirectory, testing::all_backends(), testing::backend_name);

}  // namespace
}  // namespace circles::storage
