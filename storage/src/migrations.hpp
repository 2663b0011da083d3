#pragma once
// Numbered schema migrations, applied in order at open. A migration is never edited once
// released: a change to the schema is a new, higher number.
#include <cstdint>

#include "sqlite_db.hpp"

namespace circles::storage::detail {

// The highest migration this build knows.
std::int64_t latest_schema_version() noexcept;

// Applies every migration above the version recorded in schema_migrations, in one
// BEGIN IMMEDIATE transaction (so two processes opening one file cannot both migrate).
// Returns the resulting version. Throws std::runtime_error ("schema too new") when the file
// was written by a newer build, or when a migration fails.
std::int64_t apply_migrations(database& db);

}  // namespace circles::storage::detail
