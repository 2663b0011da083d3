// `circles audit verify` on the log a real server wrote, on SQLite (--data) and on PostgreSQL
// (--config): it passes; after a row is edited, deleted or swapped with another, or the end is
// cut off (head row and all), it fails with exit status 1 naming the entry; once the damage
// is undone it passes again. Its output never holds message text.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>

#include "../storage/postgres_server.hpp"
#include "harness.hpp"

namespace circles::test {
namespace {

// Three students each send a risk message: three escalations, three audit entries after the
// ones the demo's seeding wrote (its students' real names are recorded).
void write_real_log(server_process& server) {
    server.start();
    for (const char* who : {"riley", "sam", "casey"}) {
        client c(server.port(), login(server.port(), who), server.origin());
        const auto room = c.room_id("Peer Network");
        ASSERT_TRUE(c.join(room).has_joined());
        const auto r = c.send_text(room, std::string("risk-") + who, risky_text);
        ASSERT_TRUE(r.has_ack()) << r.DebugString();
        ASSERT_TRUE(r.ack().escalated());
    }
    EXPECT_EQ(server.stop(), 0);
}

using sql_runner = std::function<void(const std::string&)>;

// Each way of damaging the log, then its undo; `verify` is the CLI call.
void check_tampering(const sql_runner& sql, const std::function<command_result()>& verify) {
    // How many entries the log has as written: the seeding's, then the three escalations'.
    const auto first = verify();
    const auto at = first.output.find("audit: ");
    ASSERT_NE(at, std::string::npos) << first.output;
    const int n = std::atoi(first.output.c_str() + at + 7);
    ASSERT_GE(n, 3) << first.output;
    const auto last = std::to_string(n);
    auto expect_intact = [&](const char* when) {
        const auto ok = verify();
        EXPECT_EQ(ok.status, 0) << when << "\n" << ok.output;
        EXPECT_NE(ok.output.find("audit: " + last + " entries, chain intact"), std::string::npos)
            << when << "\n"
            << ok.output;
        EXPECT_EQ(ok.output.find("pills"), std::string::npos) << ok.output;
    };
    auto expect_broken_at = [&](int entry, const char* what) {
        const auto bad = verify();
        EXPECT_EQ(bad.status, 1) << what << "\n" << bad.output;
        EXPECT_NE(bad.output.find("chain broken at entry " + std::to_string(entry) + ":"),
                  std::string::npos)
            << what << "\n"
            << bad.output;
        EXPECT_EQ(bad.output.find("pills"), std::string::npos) << bad.output;
    };
    expect_intact("as written");

    sql("CREATE TABLE audit_saved AS SELECT * FROM audit_log");
    sql("UPDATE audit_log SET detail = 'source=risk_rule categories=none' WHERE id = 2");
    expect_broken_at(2, "edited");
    sql("UPDATE audit_log SET detail = (SELECT detail FROM audit_saved WHERE id = 2) WHERE id = 2");
    expect_intact("edit undone");

    sql("DELETE FROM audit_log WHERE id = 2");
    expect_broken_at(2, "deleted");
    sql("INSERT INTO audit_log SELECT * FROM audit_saved WHERE id = 2");
    expect_intact("delete undone");

    sql("UPDATE audit_log SET id = -1 WHERE id = 1");
    sql("UPDATE audit_log SET id = 1 WHERE id = 2");
    sql("UPDATE audit_log SET id = 2 WHERE id = -1");
    expect_broken_at(1, "reordered");
    sql("DELETE FROM audit_log");
    sql("INSERT INTO audit_log SELECT * FROM audit_saved");
    expect_intact("reorder undone");

    // The whole end: the last row, and the head row set back to the entry before it.
    const auto before_last = std::to_string(n - 1);
    sql("DELETE FROM audit_log WHERE id = " + last);
    sql("UPDATE audit_head SET last_id = " + before_last +
        ", last_hash = (SELECT hash FROM audit_log WHERE id = " + before_last + ")");
    expect_broken_at(n, "truncated");
    sql("INSERT INTO audit_log SELECT * FROM audit_saved WHERE id = " + last);
    sql("UPDATE audit_head SET last_id = " + last +
        ", last_hash = (SELECT hash FROM audit_log WHERE id = " + last + ")");
    expect_intact("truncation undone");
    sql("DROP TABLE audit_saved");
}

TEST(AuditVerify, SqliteLogPassesAndNamesEachKindOfDamage) {
    const auto data = make_temp_dir() / "data";
    {
        server_process server(data);
        ASSERT_NO_FATAL_FAILURE(write_real_log(server));
    }
    auto sql = [&](const std::string& statement) {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((data / "circles.db").c_str(), &db), SQLITE_OK);
        EXPECT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
            << statement << ": " << sqlite3_errmsg(db);
        sqlite3_close(db);
    };
    check_tampering(sql, [&] { return run_circles("audit verify --data " + data.string()); });
}

TEST(AuditVerify, PostgresLogPassesAndNamesEachKindOfDamage) {
    auto& pg = storage::testing::postgres_server::get();
    const auto schema = pg.create_schema();
    const auto dir = make_temp_dir();
    const auto data = dir / "data";
    {
        server_process server(data, "store = \"" + pg.url(schema) + "\"\n");
        ASSERT_NO_FATAL_FAILURE(write_real_log(server));
    }
    // What an operator runs on a node: its configuration names the store and the data folder.
    const auto config = dir / "verify.toml";
    std::ofstream(config) << "store = \"" << pg.url(schema) << "\"\ndata_dir = \"" << data.string()
                          << "\"\n";
    PGconn* db = PQconnectdb(pg.conninfo(schema).c_str());
    ASSERT_EQ(PQstatus(db), CONNECTION_OK) << PQerrorMessage(db);
    PQsetNoticeProcessor(
        db, [](void*, const char*) {}, nullptr);
    auto sql = [&](const std::string& statement) {
        PGresult* r = PQexec(db, statement.c_str());
        EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << statement << ": " << PQerrorMessage(db);
        PQclear(r);
    };
    check_tampering(sql, [&] { return run_circles("audit verify --config " + config.string()); });
    PQfinish(db);
    pg.drop_schema(schema);
}

TEST(AuditVerify, UsageErrorsAndUnreadableStoresExitTwo) {
    const auto dir = make_temp_dir();
    EXPECT_EQ(run_circles("audit").status, 2);
    EXPECT_EQ(run_circles("audit check --data " + dir.string()).status, 2);
    EXPECT_EQ(run_circles("audit verify").status, 2);
    EXPECT_EQ(run_circles("audit verify --data a --config b").status, 2);
    EXPECT_EQ(run_circles("audit verify --data " + dir.string() + " extra").status, 2);
    const auto missing = run_circles("audit verify --data " + (dir / "nothing-here").string());
    EXPECT_EQ(missing.status, 2) << missing.output;
    EXPECT_FALSE(std::filesystem::exists(dir / "nothing-here")) << "verify created a folder";
    // A PostgreSQL URL with a password that cannot be reached: exit 2, and no password shown.
    std::ofstream(dir / "pg.toml") << "store = \"postgresql://circles:s3cret-pw@127.0.0.1:1/x\"\n"
                                   << "data_dir = \"" << dir.string() << "\"\n";
    const auto key = dir / "master.key";
    { std::ofstream(key) << std::string(32, 'k'); }
    std::filesystem::permissions(
        key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    const auto unreachable = run_circles("audit verify --config " + (dir / "pg.toml").string());
    EXPECT_EQ(unreachable.status, 2) << unreachable.output;
    EXPECT_EQ(unreachable.output.find("s3cret-pw"), std::string::npos) << unreachable.output;
}

}  // namespace
}  // namespace circles::test
