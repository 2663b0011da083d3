#pragma once
// Thin RAII over the SQLite C API, private to the storage module.
//
// Prepared statements are cached per connection and borrowed through `query`, which resets
// the statement when it goes out of scope. A statement that fails to prepare does not throw:
// its query reports the error from step(), so domain calls turn every SQLite failure into
// errc::io_error in one place. Only opening a connection throws (start-up).
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace circles::storage::detail {

// A waiting writer retries this long before SQLITE_BUSY reaches the caller.
inline constexpr int busy_timeout_ms = 5000;
// At open, a store waits this long for another process's migrations (migration 11 copies the
// messages table: seconds per million messages) before it gives up with "database is locked".
inline constexpr int migration_busy_timeout_ms = 300'000;

class query {
  public:
    query(sqlite3* db, sqlite3_stmt* stmt, int prepare_rc) noexcept
        : db_(db), stmt_(stmt), rc_(prepare_rc) {}
    ~query();
    query(const query&) = delete;
    query& operator=(const query&) = delete;

    query& bind(int index, std::int64_t value);
    query& bind(int index, std::string_view text);
    query& bind_blob(int index, std::span<const unsigned char> bytes);
    query& bind_null(int index);

    // SQLITE_ROW, SQLITE_DONE or an error code (also a bind or prepare error).
    int step();
    // Steps to SQLITE_DONE; returns SQLITE_DONE or the error.
    int run();

    std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
    std::string text(int col) const;
    std::vector<unsigned char> blob(int col) const;
    bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

  private:
    sqlite3* db_;
    sqlite3_stmt* stmt_;
    int rc_;  // first error seen, or SQLITE_OK
};

class database {
  public:
    enum class mode { read_write, read_only };

    // Opens with extended result codes, busy_timeout, synchronous=FULL and foreign_keys=ON;
    // a read_write connection also switches the file to WAL. Throws std::runtime_error.
    database(const std::filesystem::path& file, mode m);
    ~database();
    database(const database&) = delete;
    database& operator=(const database&) = delete;

    sqlite3* handle() const noexcept { return db_; }

    // Borrows the cached statement for `sql` (prepared on first use).
    query prepare(const char* sql);
    // Runs statements without results (DDL, pragmas, scripts). Returns the SQLite code.
    int exec(const char* sql);
    // Runs one statement without results through the statement cache (BEGIN, COMMIT and
    // ROLLBACK, once per transaction: exec would parse them every time). SQLITE_OK or the error.
    int run(const char* sql);

    std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
    int changes() const { return sqlite3_changes(db_); }
    const char* errmsg() const { return sqlite3_errmsg(db_); }

  private:
    void close_now() noexcept;  // finalizes cached statements, then closes the handle

    // Looked up by string_view: finding a cached statement allocates nothing.
    struct sql_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const noexcept {
            return std::hash<std::string_view>{}(sql);
        }
    };
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*, sql_hash, std::equal_to<>> cache_;
};

// A transaction that rolls back unless committed. BEGIN IMMEDIATE takes the write lock up
// front, so a writer waits on busy_timeout at BEGIN rather than failing mid-transaction.
class transaction {
  public:
    enum class kind { deferred, immediate };
    transaction(database& db, kind k);
    ~transaction();
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;

    bool ok() const noexcept { return begin_rc_ == SQLITE_OK; }
    int begin_rc() const noexcept { return begin_rc_; }
    int commit();  // SQLITE_OK or the error (the transaction is rolled back on error)

  private:
    database& db_;
    int begin_rc_;
    bool open_;
};

// True when `rc` is a UNIQUE / PRIMARY KEY violation, or a FOREIGN KEY violation.
inline bool is_unique_violation(int rc) {
    return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY;
}
inline bool is_foreign_key_violation(int rc) { return rc == SQLITE_CONSTRAINT_FOREIGNKEY; }

}  // namespace circles::storage::detail
