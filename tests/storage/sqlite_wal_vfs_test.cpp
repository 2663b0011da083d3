// The WAL-gathering VFS (storage/src/sqlite_wal_vfs.*): a commit's frames reach the WAL in a
// few writes instead of two per page, and nothing SQLite wrote is lost or seen late: large
// transactions, pages spilled and read back inside a transaction, and every commit visible to
// another connection at once, even without a sync per commit.
#include "sqlite_wal_vfs.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "test_support.hpp"

namespace circles::storage::detail {
namespace {

class connection {
  public:
    // `file` may be a URI (file:...?psow=0).
    connection(const std::string& file, const char* vfs) {
        const int rc =
            sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs);
        if (rc != SQLITE_OK) ADD_FAILURE() << "open: " << sqlite3_errstr(rc);
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA wal_autocheckpoint=0");  // nothing but the test writes to the files
    }
    ~connection() { sqlite3_close_v2(db_); }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    int exec(const std::string& sql) {
        char* err = nullptr;
        const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
        if (rc != SQLITE_OK) ADD_FAILURE() << sql << ": " << (err ? err : sqlite3_errstr(rc));
        sqlite3_free(err);
        return rc;
    }
    std::int64_t number(const std::string& sql) {
        return first(
            sql, [](sqlite3_stmt* st) { return sqlite3_column_int64(st, 0); }, -1);
    }
    std::string text(const std::string& sql) {
        return first(
            sql,
            [](sqlite3_stmt* st) {
                return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
            },
            std::string());
    }

  private:
    // The first column of the first row, read by `column`; `none` when there is no row.
    template <class Column, class T>
    T first(const std::string& sql, Column column, T none) {
        sqlite3_stmt* st = nullptr;
        T out = none;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW) {
            out = column(st);
        } else {
            ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
        }
        sqlite3_finalize(st);
        return out;
    }

    sqlite3* db_ = nullptr;
};

// The write calls this process has made (pwrite included), from /proc/self/io.
std::int64_t write_calls() {
    std::ifstream io("/proc/self/io");
    std::string key;
    std::int64_t value = 0;
    while (io >> key >> value) {
        if (key == "syscw:") return value;
    }
    ADD_FAILURE() << "no syscw in /proc/self/io";
    return 0;
}

void create_table(connection& db, const std::string& synchronous) {
    db.exec("PRAGMA synchronous=" + synchronous);
    db.exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)");
}

// Rows 1..n of t, each holding `blob` (an SQL expression). A 3,000-byte blob fills a 4 KiB
// page: changing n such rows dirties n pages, n frames in the WAL.
std::string insert_rows(int n, const std::string& blob) {
    return "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < " +
           std::to_string(n) + ") INSERT INTO t SELECT k, " + blob + " FROM n";
}

constexpr int rows = 200;

// What a crash would leave: the database and its WAL as they are on disk now, without the
// shared-memory index, so whoever opens the copy recovers from the WAL's frames alone.
std::filesystem::path crash_copy(const std::filesystem::path& file) {
    const auto copy = file.parent_path() / ("crashed-" + file.filename().string());
    std::filesystem::copy_file(file, copy);
    std::filesystem::copy_file(file.string() + "-wal", copy.string() + "-wal");
    return copy;
}

std::int64_t writes_for_one_commit(const std::filesystem::path& file, const char* vfs) {
    connection db(file, vfs);
    create_table(db, "FULL");
    db.exec(insert_rows(rows, "zeroblob(3000)"));
    const std::int64_t before = write_calls();
    db.exec("UPDATE t SET v = randomblob(3000)");
    const std::int64_t writes = write_calls() - before;
    // Counted writes, not missing ones: the commit's frames are in the file.
    connection recovered(crash_copy(file), nullptr);
    EXPECT_EQ(recovered.number("SELECT count(*) FROM t WHERE length(v) = 3000"), rows);
    EXPECT_EQ(recovered.number("SELECT count(*) FROM t WHERE v = zeroblob(3000)"), 0);
    return writes;
}

TEST(WalGatheringVfs, ACommitReachesTheWalInAFewWritesNotTwoPerPage) {
    testing::temp_dir dir;
    // The same commit through SQLite's default VFS shows what is being counted: two writes
    // for each of the 200 frames.
    const std::int64_t plain = writes_for_one_commit(dir.path() / "plain.db", nullptr);
    EXPECT_GE(plain, 2 * rows);
    // Gathered: 200 frames of 4,120 bytes in runs of at most 64 KiB.
    const std::int64_t gathered =
        writes_for_one_commit(dir.path() / "gathered.db", wal_gathering_vfs());
    EXPECT_LE(gathered, 20);
}

TEST(WalGatheringVfs, ATransactionOfManyMegabytesCommitsWhole) {
    testing::temp_dir dir;
    const auto file = dir.path() / "big.db";
    {
        connection db(file, wal_gathering_vfs());
        create_table(db, "FULL");
        // About 8 MB of frames in one commit: runs far past SQLite's 128 KiB per write.
        db.exec(insert_rows(2000, "randomblob(3000)"));
        EXPECT_EQ(db.number("SELECT count(*) FROM t"), 2000);
        connection recovered(crash_copy(file), nullptr);  // from the WAL's frames alone
        EXPECT_EQ(recovered.number("SELECT sum(length(v)) FROM t"), 2000 * 3000);
        EXPECT_EQ(recovered.text("PRAGMA integrity_check"), "ok");
    }  // the last connection closes: the WAL is checkpointed into the file
    connection again(file, nullptr);
    EXPECT_EQ(again.number("SELECT count(*) FROM t"), 2000);
    EXPECT_EQ(again.number("SELECT sum(length(v)) FROM t"), 2000 * 3000);
    EXPECT_EQ(again.text("PRAGMA integrity_check"), "ok");
}

TEST(WalGatheringVfs, PagesSpilledAndRewrittenInsideATransactionSurviveACrash) {
    testing::temp_dir dir;
    const auto file = dir.path() / "spill.db";
    connection db(file, wal_gathering_vfs());
    // NORMAL: no sync at the commit, so nothing but the VFS's own rules puts the frames in the
    // file; a crash copy taken after the commit must hold all of it.
    create_table(db, "NORMAL");
    db.exec("PRAGMA cache_size=10");  // a tiny cache: the transaction spills pages to the WAL
    db.exec("BEGIN");
    db.exec(insert_rows(500, "zeroblob(3000)"));
    // Reading every row reads the spilled pages back from the WAL, some still gathered.
    EXPECT_EQ(db.number("SELECT sum(length(v)) FROM t"), 500 * 3000);
    // Rewriting spilled pages makes SQLite rewrite frame headers in place at the commit.
    db.exec("UPDATE t SET v = zeroblob(100) WHERE k % 2 = 0");
    EXPECT_EQ(db.number("SELECT sum(length(v)) FROM t"), 250 * 3000 + 250 * 100);
    db.exec("COMMIT");
    connection other(file, nullptr);
    EXPECT_EQ(other.number("SELECT sum(length(v)) FROM t"), 250 * 3000 + 250 * 100);
    connection recovered(crash_copy(file), nullptr);
    EXPECT_EQ(recovered.number("SELECT sum(length(v)) FROM t"), 250 * 3000 + 250 * 100);
    EXPECT_EQ(recovered.text("PRAGMA integrity_check"), "ok");
}

TEST(WalGatheringVfs, AWalWithoutPowersafeOverwriteIsWrittenAsItComes) {
    testing::temp_dir dir;
    const auto file = dir.path() / "psow.db";
    // psow=0: SQLite pads each commit to a sector and syncs in the middle of a write.
    connection writer("file:" + file.string() + "?psow=0", wal_gathering_vfs());
    create_table(writer, "FULL");
    connection reader(file, nullptr);
    for (int i = 1; i <= 50; ++i) {
        writer.exec("INSERT INTO t VALUES (" + std::to_string(i) + ", randomblob(700))");
        ASSERT_EQ(reader.number("SELECT count(*) FROM t"), i);
    }
}

TEST(WalGatheringVfs, EveryCommitIsSeenByAnotherConnectionAtOnceEvenWithoutASync) {
    testing::temp_dir dir;
    const auto file = dir.path() / "seen.db";
    connection writer(file, wal_gathering_vfs());
    // NORMAL: SQLite does not sync the WAL at a commit, so only the commit frame tells the
    // VFS that the run must reach the file.
    create_table(writer, "NORMAL");
    connection reader(file, nullptr);
    for (int i = 1; i <= 100; ++i) {
        writer.exec("INSERT INTO t VALUES (" + std::to_string(i) + ", randomblob(" +
                    std::to_string(100 * i) + "))");
        ASSERT_EQ(reader.number("SELECT count(*) FROM t"), i);
        ASSERT_EQ(reader.number("SELECT length(v) FROM t WHERE k = " + std::to_string(i)), 100 * i);
    }
}

}  // namespace
}  // namespace circles::storage::detail
