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
    if (kind() == testing::backend::sqlite) {
        EXPECT_EQ(
            raw().scalar("SELECT count(*) FROM sqlite_master WHERE name = 'messages_by_time'"), 0);
    }
}

TEST_P(StoreMigrations, ReopenDoesNotApplyAgain) {
    auto options = this->options();
    for (int i = 0; i < 3; ++i) open(options).reset();
    // Every migration once: versions 1..latest, each recorded a single time.
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM schema_migrations"), 10);
    EXPECT_EQ(raw().scalar("SELECT count(DISTINCT version) FROM schema_migrations"), 10);
    EXPECT_EQ(raw().scalar("SELECT max(version) FROM schema_migrations"), 10);
}

TEST_P(StoreMigrations, DatabaseAtVersionOneIsUpgraded) {
    auto options = this->options();
    open(options).reset();
    // Put the database back to what a version-1 build left.
    back_to_version_one();
    ASSERT_FALSE(raw().has_table("escalations"));
    open(options).reset();
    EXPECT_EQ(raw().scalar("SELECT max(version) FROM schema_migrations"), 10);
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
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM schema_migrations"), 10);
    EXPECT_TRUE(raw().has_table("escalations"));
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM audit_head"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreMigrations, testing::all_backends(), testing::backend_name);

// --- what only the SQLite file has ---------------------------------------------------------

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
