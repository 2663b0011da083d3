#pragma once
// Numbered schema migrations, applied in order at open. A migration is never edited once
// released: a change to the schema is a new, higher number. Each number carries its SQL for
// both stores, so the two schemas cannot drift apart.
#include <cstdint>
#include <span>
#include <string>

namespace circles::storage::detail {

class database;       // sqlite_db.hpp
class pg_connection;  // pg_db.hpp

struct migration {
    std::int64_t version;
    const char* sqlite;
    const char* postgres;
};

std::span<const migration> all_migrations() noexcept;

// The highest migration this build knows.
std::int64_t latest_schema_version() noexcept;

// The start-up line for a database written by a newer build ("database schema too new: ...").
std::string schema_too_new(std::int64_t current);

// Applies every migration above the version recorded in schema_migrations, in one
// transaction, and returns the resulting version. Two processes opening one database at once
// cannot both migrate: SQLite takes the write lock first (BEGIN IMMEDIATE), PostgreSQL a
// transaction-scoped advisory lock. Throws std::runtime_error ("schema too new") when the
// database was written by a newer build, or when a migration fails.
std::int64_t apply_migrations(database& db);
std::int64_t apply_migrations(pg_connection& db);

}  // namespace circles::storage::detail
