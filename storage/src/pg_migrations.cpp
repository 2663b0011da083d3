// Applying the numbered migrations to PostgreSQL. Several nodes may start at once: each takes
// the same transaction-scoped advisory lock first, so one migrates and the others, once it
// commits, find the recorded version current and do nothing.
#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string>

#include "migrations.hpp"
#include "pg_db.hpp"
#include "store_common.hpp"

namespace circles::storage::detail {
namespace {

// pg_advisory_xact_lock key of the migration lock: "circles" in ASCII.
constexpr std::int64_t migration_lock_key = 0x636972636c6573;

[[noreturn]] void fail(const std::string& what, const pg_result& r) {
    throw std::runtime_error("database migration failed: " + what + ": " + r.message());
}

}  // namespace

std::int64_t apply_migrations(pg_connection& db) {
    pg_transaction tx(db);
    if (!tx.ok()) throw std::runtime_error("database migration failed: cannot BEGIN");
    {
        // A node that hangs while migrating must not hold every other node's start-up forever.
        auto r = db.exec("SET LOCAL lock_timeout = '60s'");
        if (!r.ok()) fail("set lock_timeout", r);
        pg_params p;
        p.add(migration_lock_key);
        r = db.query("SELECT pg_advisory_xact_lock($1::bigint)", p);
        if (!r.ok()) fail("wait for the migration lock", r);
    }
    {
        auto r = db.exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version BIGINT PRIMARY KEY,"
            " applied_at_ms BIGINT NOT NULL)");
        if (!r.ok()) fail("create schema_migrations", r);
    }
    std::int64_t current = 0;
    {
        auto r = db.query("SELECT coalesce(max(version), 0) FROM schema_migrations");
        if (!r.ok() || r.rows() != 1) fail("read schema version", r);
        current = r.int64(0, 0);
    }
    if (current > latest_schema_version()) throw std::runtime_error(schema_too_new(current));
    std::int64_t applied = current;
    for (const auto& m : all_migrations()) {
        if (m.version <= current) continue;
        auto r = db.exec(m.postgres);
        if (!r.ok()) fail("migration " + std::to_string(m.version), r);
        pg_params p;
        p.add(m.version).add(now_ms());
        r = db.query("INSERT INTO schema_migrations(version, applied_at_ms) VALUES ($1, $2)", p);
        if (!r.ok()) fail("record migration " + std::to_string(m.version), r);
        applied = m.version;
    }
    if (!tx.commit()) throw std::runtime_error("database migration failed: COMMIT");
    if (applied != current) {
        spdlog::info("storage: schema migrated from version {} to {}", current, applied);
    }
    return applied;
}

}  // namespace circles::storage::detail
