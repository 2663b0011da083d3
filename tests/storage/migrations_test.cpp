#include "migrations.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <thread>
#include <vector>

#include "circles/storage/store.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

using testing::temp_dir;

class StoreMigrations : public testing::store_test {
  protected:
    // What a version-1 build left: no escalations (2), no audit log (3), no paging (4), no
    // sessions, schedules or agreements (5), no room controls, mutes or held index (6), no
    // reports (7), no case notes or real names (8; the escalation columns go with the table),
    // no check-in rounds or message time index (9; SQLite drops that index again in 10).
    void back_to_version_one() {
        raw().exec("DROP INDEX IF EXISTS messages_by_time");
        raw().exec("DROP TABLE checkin_answers");
        raw().exec("DROP TABLE checkin_rounds");
        raw().exec("DROP TABLE user_identities");
        raw().exec("DROP TABLE case_notes");
        raw().exec("DROP TABLE reports");
        raw().exec("DROP INDEX messages_held");
        raw().exec("DROP TABLE room_mutes");
        raw().exec("DROP TABLE room_controls");
        raw().exec("DROP TABLE agreements");
        raw().exec("DROP TABLE room_schedules");
        raw().exec("DROP TABLE room_sessions");
        raw().exec("DROP TABLE escalation_contacts");
        raw().exec("ALTER TABLE schools DROP COLUMN webhook_url");
        raw().exec("ALTER TABLE schools DROP COLUMN ack_deadline_ms");
        raw().exec("DROP TABLE audit_head");
        raw().exec("DROP TABLE audit_log");
        raw().exec("DROP TABLE escalations");
        raw().exec("DELETE FROM schema_migrations WHERE version >= 2");
    }
};

unsigned mode_of(const std::filesystem::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
}

TEST_P(StoreMigrations, FreshDatabaseGetsEveryTable) {
    auto options = this->options();
    open(options).reset();

    EXPECT_EQ(mode_of(options.data_dir), 0700u);
    EXPECT_EQ(mode_of(options.data_dir / "master.key"), 0600u);
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM schema_migrations WHERE version = 1"), 1);
    for (const char* table :
         {"schools",    "users",           "rooms",          "room_members",
          "room_keys",  "messages",        "sessions",       "escalations",
          "audit_log",  "audit_head",      "room_sessions",  "room_schedules",
          "agreements", "room_controls",   "room_mutes",     "reports",
          "case_notes", "user_identities", "checkin_rounds", "checkin_answers"}) {
        EXPECT_TRUE(raw().has_table(table)) << table;
    }
    // SQLite keeps no time index on messages (migration 10): it cost a page write per message.
    // Its messages are a rowid table in the order written (migration 11), not clustered by room.
    if (kind() == testing::backend::sqlite) {
        EXPECT_EQ(
            raw().scalar("SELECT count(*) FROM sqlite_master WHERE name = 'messages_by_time'"), 0);
        EXPECT_EQ(raw().scalar("SELECT count(*) FROM sqlite_master WHERE name = 'messages'"
                               " AND sql LIKE '%WITHOUT ROWID%'"),
                  0);
    }
}

TEST_P(StoreMigrations, ReopenDoesNotApplyAgain) {
    auto options = this->options();
    for (int i = 0; i < 3; ++i) open(options).reset();
    // Every migration once: versions 1..latest, each recorded a single time.
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM schema_migrations"), 11);
    EXPECT_EQ(raw().scalar("SELECT count(DISTINCT version) FROM schema_migrations"), 11);
    EXPECT_EQ(raw().scalar("SELECT max(version) FROM schema_migrations"), 11);
}

TEST_P(StoreMigrations, DatabaseAtVersionOneIsUpgraded) {
    auto options = this->options();
    open(options).reset();
    // Put the database back to what a version-1 build left.
    back_to_version_one();
    ASSERT_FALSE(raw().has_table("escalations"));
    open(options).reset();
    EXPECT_EQ(raw().scalar("SELECT max(version) FROM schema_migrations"), 11);
    EXPECT_TRUE(raw().has_table("escalations"));
    EXPECT_TRUE(raw().has_table("audit_log"));
    EXPECT_EQ(raw().scalar("SELECT last_id FROM audit_head"), 0);
}

TEST_P(StoreMigrations, SchemaTooNewIsRefusedAtOpen) {
    auto options = this->options();
    open(options).reset();
    raw().exec("INSERT INTO schema_migrations(version, applied_at_ms) VALUES (999, 0)");
    try {
        open(options);
        FAIL() << "a newer schema was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("schema too new"), std::string::npos) << e.what();
    }
}

TEST_P(StoreMigrations, UnwritableDataDirFailsWithOneClearLine) {
    store_options options;
    options.data_dir = "/proc/circles-cannot-exist/data";
    try {
        open(options);
        FAIL() << "opened a store in /proc";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("/proc/circles-cannot-exist"), std::string::npos)
            << e.what();
    }
}

// Nodes of a cluster start together: each applies the migrations, exactly one does the work.
TEST_P(StoreMigrations, StoresOpeningTogetherMigrateOnce) {
    auto options = this->options();
    open(options).reset();  // creates master.key first: nodes share one key file
    back_to_version_one();

    constexpr int nodes = 4;
    std::vector<std::thread> starting;
    std::atomic<int> opened{0};
    std::vector<std::string> failures(nodes);
    for (int i = 0; i < nodes; ++i) {
        starting.emplace_back([&, i] {
            try {
                open(options).reset();
                ++opened;
            } catch (const std::exception& e) {
                failures[i] = e.what();
            }
        });
    }
    for (auto& t : starting) t.join();
    for (const auto& f : failures) EXPECT_EQ(f, "");
    EXPECT_EQ(opened.load(), nodes);
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM schema_migrations"), 11);
    EXPECT_TRUE(raw().has_table("escalations"));
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM audit_head"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreMigrations, testing::all_backends(), testing::backend_name);

// --- what only the SQLite file has ---------------------------------------------------------

class SqliteMigrations : public testing::backend_fixture {
  protected:
    void SetUp() override { set_up(testing::backend::sqlite); }
};

// Migration 11 on a database that versions 1-10 wrote: messages clustered by (room_id, seq)
// become a rowid table in the order they were written, and nothing a message promises changes:
// its seq, text and time, a retry's answer, the next seq.
TEST_F(SqliteMigrations, MessagesClusteredByRoomKeepEverythingInTheRowidTable) {
    auto options = this->options();
    std::vector<std::pair<room_id, append_result>> written;
    room_id a = 0, b = 0;
    user_id ana = 0;
    {
        auto s = open_seeded(options, 2);
        a = s.rooms[0].id;
        b = s.rooms[1].id;
        ana = s.student.id;
        int n = 0;
        for (room_id room : {a, b, a, a, b}) {
            const std::string id = "c-" + std::to_string(++n);
            auto req = testing::make_request(room, ana, id, id);
            if (n == 4) req.status = message_status::held;  // waiting for a facilitator
            auto r = testing::append_and_wait(*s.db, std::move(req));
            ASSERT_TRUE(r.has_value()) << r.error().message();
            written.emplace_back(room, *r);
        }
    }
    // Every column of every row, to compare before and after.
    const std::string rows =
        "SELECT group_concat(r, ' ') FROM (SELECT room_id || ':' || seq || ':' || epoch || ':' ||"
        " sender_id || ':' || client_msg_id || ':' || key_id || ':' || hex(nonce) || ':' ||"
        " hex(ciphertext) || ':' || status || ':' || created_at_ms AS r FROM messages"
        " ORDER BY room_id, seq)";
    // The layout of versions 1-10, rows and all, recorded as version 10: the table as
    // migration 1 created it (clustered, WITHOUT ROWID), under another name first.
    const std::string first = detail::all_migrations().front().sqlite;
    const auto from = first.find("CREATE TABLE messages (");
    const auto to = first.find(';', from);
    ASSERT_NE(from, std::string::npos);
    std::string old_table = first.substr(from, to + 1 - from);
    old_table.replace(0, std::string("CREATE TABLE messages").size(), "CREATE TABLE messages_v10");
    ASSERT_NE(old_table.find("WITHOUT ROWID"), std::string::npos);
    raw().exec("BEGIN;" + old_table +
               "INSERT INTO messages_v10 SELECT room_id, seq, epoch, sender_id, client_msg_id,"
               " key_id, nonce, ciphertext, status, created_at_ms FROM messages;"
               "DROP TABLE messages;"
               "ALTER TABLE messages_v10 RENAME TO messages;"
               "CREATE INDEX messages_held ON messages(room_id, seq) WHERE status = 2;"
               "DELETE FROM schema_migrations WHERE version = 11;"
               "COMMIT;");
    const std::string clustered =
        "SELECT count(*) FROM sqlite_master WHERE name = 'messages' AND sql LIKE '%WITHOUT ROWID%'";
    ASSERT_EQ(raw().scalar(clustered), 1);
    const std::string before = raw().text(rows);

    auto db = open(options);
    EXPECT_EQ(raw().scalar("SELECT max(version) FROM schema_migrations"), 11);
    EXPECT_EQ(raw().scalar(clustered), 0);
    EXPECT_EQ(raw().text(rows), before);
    EXPECT_EQ(raw().text("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM pragma_foreign_key_check"), 0);
    // The held message is found through the recreated partial index.
    EXPECT_EQ(raw().text("SELECT client_msg_id FROM messages INDEXED BY messages_held"
                         " WHERE status = 2"),
              "c-4");
    // Copied room by room, in the old table's order.
    EXPECT_EQ(raw().text("SELECT group_concat(client_msg_id, ' ') FROM"
                         " (SELECT client_msg_id FROM messages ORDER BY rowid)"),
              "c-1 c-3 c-4 c-2 c-5");
    // The copy went through the WAL; the migration emptied it afterwards.
    EXPECT_EQ(std::filesystem::file_size(options.data_dir / "circles.db-wal"), 0u);
    for (room_id room : {a, b}) {
        auto page = db->history(room, 0, 10);
        ASSERT_TRUE(page.has_value());
        std::vector<const append_result*> expected;
        for (const auto& [r, w] : written) {
            if (r == room) expected.push_back(&w);
        }
        ASSERT_EQ(page->messages.size(), expected.size()) << "room " << room;
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const auto& m = page->messages[i];
            EXPECT_EQ(m.seq, expected[i]->seq);
            EXPECT_EQ(m.created_at_ms, expected[i]->created_at_ms);
            EXPECT_EQ(m.text, m.client_msg_id);  // each was sent with its id as its text
        }
    }
    // A retry of a message sent before the upgrade is still recognised; the next seq follows.
    auto retry = testing::append_and_wait(*db, testing::make_request(a, ana, "c-3", "c-3"));
    ASSERT_TRUE(retry.has_value());
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->seq, written[2].second.seq);
    auto next = testing::append_and_wait(*db, testing::make_request(a, ana, "c-6", "c-6"));
    ASSERT_TRUE(next.has_value());
    EXPECT_FALSE(next->duplicate);
    EXPECT_EQ(next->seq, 4u);
    // New rows go at the end of the table.
    EXPECT_EQ(raw().text("SELECT client_msg_id FROM messages ORDER BY rowid DESC LIMIT 1"), "c-6");
}

TEST(SqliteStore, DatabaseFileIsPrivateAndInWalMode) {
    temp_dir tmp;
    auto options = testing::options_in(tmp.path());
    open_sqlite_store(options).reset();

    const auto file = options.data_dir / "circles.db";
    EXPECT_EQ(mode_of(file), 0600u);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
    sqlite3_finalize(stmt);
    sqlite3_close_v2(db);
}

}  // namespace
}  // namespace circles::storage
