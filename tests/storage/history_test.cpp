// Reading messages back: paging, since(), durability, and what the files on disk hold.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "circles/storage/store.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

using testing::append_and_wait;
using testing::make_request;

class StoreHistory : public testing::store_test {};

void append_n(store& s, room_id room, user_id sender, int n, const std::string& prefix = "m") {
    for (int i = 1; i <= n; ++i) {
        s.append(make_request(room, sender, prefix + std::to_string(i),
                              prefix + " text " + std::to_string(i)),
                 [](result<append_result> r) { ASSERT_TRUE(r.has_value()); });
    }
    s.flush();
}

TEST_P(StoreHistory, HistoryPagesBackwardsWithHasMore) {
    auto s = open_seeded();
    const room_id room = s.rooms[0].id;
    append_n(*s.db, room, s.student.id, 25);

    auto newest = s.db->history(room, 0, 10);
    ASSERT_TRUE(newest.has_value());
    ASSERT_EQ(newest->messages.size(), 10u);
    EXPECT_TRUE(newest->has_more);
    EXPECT_EQ(newest->messages.front().seq, 16u);  // oldest first
    EXPECT_EQ(newest->messages.back().seq, 25u);
    EXPECT_EQ(newest->messages.back().text, "m text 25");

    auto middle = s.db->history(room, newest->messages.front().seq, 10);
    ASSERT_TRUE(middle.has_value());
    EXPECT_EQ(middle->messages.front().seq, 6u);
    EXPECT_EQ(middle->messages.back().seq, 15u);
    EXPECT_TRUE(middle->has_more);

    auto oldest = s.db->history(room, middle->messages.front().seq, 10);
    ASSERT_TRUE(oldest.has_value());
    ASSERT_EQ(oldest->messages.size(), 5u);
    EXPECT_EQ(oldest->messages.front().seq, 1u);
    EXPECT_FALSE(oldest->has_more);

    auto exact = s.db->history(room, 11, 10);  // seqs 1..10 exactly
    ASSERT_TRUE(exact.has_value());
    EXPECT_EQ(exact->messages.size(), 10u);
    EXPECT_FALSE(exact->has_more);

    auto empty = s.db->history(s.rooms[0].id + 99, 0, 10);
    ASSERT_TRUE(empty.has_value());
    EXPECT_TRUE(empty->messages.empty());
    EXPECT_FALSE(empty->has_more);
}

TEST_P(StoreHistory, HistoryCarriesSenderNameRoleAndStatus) {
    auto s = open_seeded();
    const room_id room = s.rooms[0].id;
    auto req = make_request(room, s.student.id, "h-1", "held for review");
    req.status = message_status::held;
    auto r = append_and_wait(*s.db, req);
    ASSERT_TRUE(r.has_value());

    auto page = s.db->history(room, 0, 10);
    ASSERT_TRUE(page.has_value());
    ASSERT_EQ(page->messages.size(), 1u);
    const auto& m = page->messages[0];
    EXPECT_EQ(m.room, room);
    EXPECT_EQ(m.seq, 1u);
    EXPECT_EQ(m.epoch, 1u);
    EXPECT_EQ(m.sender, s.student.id);
    EXPECT_EQ(m.sender_display_name, "Blue Heron");
    EXPECT_EQ(m.sender_role, role::student);
    EXPECT_EQ(m.client_msg_id, "h-1");
    EXPECT_EQ(m.text, "held for review");
    EXPECT_EQ(m.status, message_status::held);
    EXPECT_EQ(m.created_at_ms, r->created_at_ms);
    EXPECT_GT(m.created_at_ms, 1'600'000'000'000);
}

TEST_P(StoreHistory, SinceReturnsNewerMessagesOldestFirst) {
    auto s = open_seeded();
    const room_id room = s.rooms[0].id;
    append_n(*s.db, room, s.student.id, 12);

    auto all = s.db->since(room, 0, 100);
    ASSERT_TRUE(all.has_value());
    ASSERT_EQ(all->size(), 12u);
    auto tail = s.db->since(room, 7, 3);
    ASSERT_TRUE(tail.has_value());
    ASSERT_EQ(tail->size(), 3u);
    EXPECT_EQ((*tail)[0].seq, 8u);
    EXPECT_EQ((*tail)[2].seq, 10u);
    EXPECT_EQ((*tail)[2].text, "m text 10");
    EXPECT_TRUE(s.db->since(room, 12, 10)->empty());
}

TEST_P(StoreHistory, ReopenAfterCloseKeepsEverything) {
    auto options = this->options();
    room_id room = 0;
    user_id sender = 0;
    {
        auto s = open_seeded(options);
        room = s.rooms[0].id;
        sender = s.student.id;
        append_n(*s.db, room, sender, 5);
        // Queued but not flushed: the destructor must still commit them.
        for (int i = 6; i <= 8; ++i) {
            s.db->append(make_request(room, sender, "m" + std::to_string(i), "tail"),
                         [](result<append_result>) {});
        }
    }
    auto s = open(options);
    EXPECT_EQ(s->find_school("maple-grove")->name, "Maple Grove High");
    EXPECT_EQ(s->find_user("ana")->display_name, "Blue Heron");
    EXPECT_EQ(s->get_room(room)->last_seq, 8u);
    EXPECT_TRUE(s->is_member(room, sender).value());
    auto page = s->history(room, 0, 100);
    ASSERT_TRUE(page.has_value());
    ASSERT_EQ(page->messages.size(), 8u);
    EXPECT_EQ(page->messages[0].text, "m text 1");
    // Numbering continues where it stopped, and retries are still recognised.
    auto next = append_and_wait(*s, make_request(room, sender, "m9", "after reopen"));
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->seq, 9u);
    auto retry = append_and_wait(*s, make_request(room, sender, "m2", "m text 2"));
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->seq, 2u);
}

TEST_P(StoreHistory, DatabaseFilesDoNotContainPlaintext) {
    auto options = this->options();
    const std::string secret = "my-unique-confidential-disclosure-7f3a9c";
    auto s = open_seeded(options);
    ASSERT_TRUE(append_and_wait(*s.db, make_request(s.rooms[0].id, s.student.id, "p-1", secret)));
    auto session = s.db->create_session(s.student.id, std::chrono::hours(1)).value();
    // A name only this test writes: finding it proves the bytes searched are this store's
    // (the PostgreSQL dump holds every test's schema).
    const std::string marker =
        "Marker Kestrel " + std::to_string(::getpid()) + "-" +
        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    ASSERT_TRUE(s.db->create_user_without_password(s.sch.id, "marker", marker, role::student));
    s.db->flush();

    const auto bytes = raw().stored_bytes();
    EXPECT_EQ(bytes.find(secret), std::string::npos) << "the database holds the message text";
    EXPECT_EQ(bytes.find(session), std::string::npos) << "the database holds a session token";
    EXPECT_EQ(bytes.find("pw-ana-1"), std::string::npos) << "the database holds a password";
    EXPECT_NE(bytes.find(marker), std::string::npos) << "looked in the wrong place";
    // And the store still reads it back.
    EXPECT_EQ(s.db->history(s.rooms[0].id, 0, 1)->messages.at(0).text, secret);
}

TEST_P(StoreHistory, TamperedRowFailsWithCryptoFailure) {
    auto options = this->options();
    auto s = open_seeded(options, 2);
    const room_id room = s.rooms[0].id;
    append_n(*s.db, room, s.student.id, 3);
    // Flip one ciphertext byte of seq 2.
    const unsigned char ff[] = {0xff};
    raw().exec(
        "UPDATE messages SET ciphertext = substr(ciphertext, 1, 4) || " + raw().blob_literal(ff) +
        " || substr(ciphertext, 6) WHERE room_id = " + std::to_string(room) + " AND seq = 2");
    auto page = s.db->history(room, 0, 10);
    ASSERT_FALSE(page.has_value());
    EXPECT_EQ(page.error(), make_error_code(errc::crypto_failure));
    EXPECT_EQ(s.db->since(room, 1, 1).error(), make_error_code(errc::crypto_failure));
    EXPECT_EQ(s.db->since(room, 2, 10)->size(), 1u);  // rows around it still open

    // A sealed value moved to another row (seq 3 -> seq 1) fails too: the AD binds the row.
    raw().exec(
        "UPDATE messages SET (nonce, ciphertext) = (SELECT nonce, ciphertext FROM messages "
        "WHERE room_id = " +
        std::to_string(room) + " AND seq = 3) WHERE room_id = " + std::to_string(room) +
        " AND seq = 1");
    EXPECT_EQ(s.db->since(room, 0, 1).error(), make_error_code(errc::crypto_failure));
}

TEST_P(StoreHistory, AnotherMasterKeyCannotReadHistory) {
    auto options = this->options();
    room_id room = 0;
    {
        auto s = open_seeded(options);
        room = s.rooms[0].id;
        append_n(*s.db, room, s.student.id, 2);
    }
    std::filesystem::remove(options.data_dir / "master.key");  // a fresh key on reopen
    auto s = open(options);
    auto page = s->history(room, 0, 10);
    ASSERT_FALSE(page.has_value());
    EXPECT_EQ(page.error(), make_error_code(errc::crypto_failure));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreHistory, testing::all_backends(), testing::backend_name);

}  // namespace
}  // namespace circles::storage
