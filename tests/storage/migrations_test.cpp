#include <gtest/gtest.h>
#include <sys/stat.h>

#include "circles/storage/store.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

using testing::options_in;
using testing::raw_db;
using testing::temp_dir;

TEST(StorageMigrations, FreshDatabaseGetsEveryTable) {
    temp_dir tmp;
    auto options = options_in(tmp.path());
    open_sqlite_store(options).reset();

    const auto file = options.data_dir / "circles.db";
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(options.data_dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    ASSERT_EQ(::stat((options.data_dir / "master.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    raw_db raw(file);
    EXPECT_EQ(raw.scalar("SELECT count(*) FROM schema_migrations WHERE version = 1"), 1);
    for (const char* table :
         {"schools", "users", "rooms", "room_members", "room_keys", "messages", "sessions"}) {
        EXPECT_EQ(raw.scalar(std::string("SELECT count(*) FROM sqlite_master WHERE type = "
                                         "'table' AND name = '") +
                             table + "'"),
                  1)
            << table;
    }
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(raw.get(), "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
    sqlite3_finalize(stmt);
}

TEST(StorageMigrations, ReopenDoesNotApplyAgain) {
    temp_dir tmp;
    auto options = options_in(tmp.path());
    for (int i = 0; i < 3; ++i) open_sqlite_store(options).reset();
    raw_db raw(options.data_dir / "circles.db");
    // Every migration once: versions 1..latest, each recorded a single time.
    EXPECT_EQ(raw.scalar("SELECT count(*) FROM schema_migrations"), 2);
    EXPECT_EQ(raw.scalar("SELECT count(DISTINCT version) FROM schema_migrations"), 2);
    EXPECT_EQ(raw.scalar("SELECT max(version) FROM schema_migrations"), 2);
}

TEST(StorageMigrations, DatabaseAtVersionOneIsUpgraded) {
    temp_dir tmp;
    auto options = options_in(tmp.path());
    open_sqlite_store(options).reset();
    {
        // Put the database back to what a version-1 build left.
        raw_db raw(options.data_dir / "circles.db");
        raw.exec("DROP TABLE escalations");
        raw.exec("DELETE FROM schema_migrations WHERE version = 2");
    }
    open_sqlite_store(options).reset();
    raw_db raw(options.data_dir / "circles.db");
    EXPECT_EQ(raw.scalar("SELECT max(version) FROM schema_migrations"), 2);
    EXPECT_EQ(raw.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'escalations'"), 1);
}

TEST(StorageMigrations, SchemaTooNewIsRefusedAtOpen) {
    temp_dir tmp;
    auto options = options_in(tmp.path());
    open_sqlite_store(options).reset();
    {
        raw_db raw(options.data_dir / "circles.db");
        raw.exec("INSERT INTO schema_migrations(version, applied_at_ms) VALUES (999, 0)");
    }
    try {
        open_sqlite_store(options);
        FAIL() << "a newer schema was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("schema too new"), std::string::npos) << e.what();
    }
}

TEST(StorageMigrations, UnwritableDataDirFailsWithOneClearLine) {
    store_options options;
    options.data_dir = "/proc/circles-cannot-exist/data";
    EXPECT_THROW(open_sqlite_store(options), std::runtime_error);
}

}  // namespace
}  // namespace circles::storage
