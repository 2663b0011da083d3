#include "sqlite_db.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "sqlite_wal_vfs.hpp"

namespace circles::storage::detail {

query::~query() {
    if (stmt_ != nullptr) {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
}

query& query::bind(int index, std::int64_t value) {
    if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_int64(stmt_, index, value);
    return *this;
}

query& query::bind(int index, std::string_view text) {
    if (rc_ == SQLITE_OK) {
        rc_ = sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                  SQLITE_UTF8);
    }
    return *this;
}

query& query::bind_blob(int index, std::span<const unsigned char> bytes) {
    if (rc_ == SQLITE_OK) {
        // An empty span has no data pointer; SQLite would store NULL. Bind a zero blob instead.
        rc_ = bytes.empty()
                  ? sqlite3_bind_zeroblob(stmt_, index, 0)
                  : sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
    }
    return *this;
}

query& query::bind_null(int index) {
    if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_null(stmt_, index);
    return *this;
}

int query::step() {
    if (rc_ != SQLITE_OK) return rc_;
    int rc = sqlite3_step(stmt_);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        // The SQL text is constant and SQLite messages never quote bound values, so this
        // cannot leak message text, passwords or tokens. A constraint failure is usually an
        // expected answer (a taken name, an unknown id), so it is not a warning.
        const auto level =
            (rc & 0xff) == SQLITE_CONSTRAINT ? spdlog::level::debug : spdlog::level::warn;
        spdlog::log(level, "storage: statement failed ({}): {} [{}]", rc, sqlite3_errmsg(db_),
                    sqlite3_sql(stmt_));
    }
    return rc;
}

int query::run() {
    int rc;
    while ((rc = step()) == SQLITE_ROW) {
    }
    return rc;
}

std::string query::text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
}

std::vector<unsigned char> query::blob(int col) const {
    auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, col));
    auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col));
    return p ? std::vector<unsigned char>(p, p + n) : std::vector<unsigned char>();
}

database::database(const std::filesystem::path& file, mode m) {
    int flags = SQLITE_OPEN_NOMUTEX;  // each connection is used by one thread at a time
    flags |=
        m == mode::read_write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    int rc = sqlite3_open_v2(file.c_str(), &db_, flags, wal_gathering_vfs());
    if (rc != SQLITE_OK) {
        std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close_v2(db_);
        throw std::runtime_error("cannot open database " + file.string() + ": " + why);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);

    auto pragma = [&](const char* sql) {
        if (exec(sql) != SQLITE_OK) {
            std::string why = sqlite3_errmsg(db_);
            close_now();
            throw std::runtime_error("cannot configure database " + file.string() + " (" + sql +
                                     "): " + why);
        }
    };
    if (m == mode::read_write) {
        // journal_mode answers with the mode in force; anything but "wal" means the
        // durability and concurrency assumptions of this module do not hold.
        std::string got;
        {
            auto q = prepare("PRAGMA journal_mode=WAL");
            if (q.step() == SQLITE_ROW) got = q.text(0);
        }
        if (got != "wal") {
            close_now();
            throw std::runtime_error("cannot switch database " + file.string() +
                                     " to WAL (journal_mode=" + got + ")");
        }
    }
    pragma("PRAGMA synchronous=FULL");
    pragma("PRAGMA foreign_keys=ON");
    if (m == mode::read_only) pragma("PRAGMA query_only=ON");
}

database::~database() { close_now(); }

void database::close_now() noexcept {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    cache_.clear();
    sqlite3_close_v2(db_);
    db_ = nullptr;
}

query database::prepare(const char* sql) {
    auto it = cache_.find(std::string_view(sql));
    if (it == cache_.end()) {
        sqlite3_stmt* stmt = nullptr;
        int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) {
            spdlog::error("storage: cannot prepare [{}]: {}", sql, sqlite3_errmsg(db_));
            sqlite3_finalize(stmt);
            return query(db_, nullptr, rc);
        }
        it = cache_.emplace(sql, stmt).first;
    }
    return query(db_, it->second, SQLITE_OK);
}

int database::exec(const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        spdlog::warn("storage: [{}] failed: {}", sql, err ? err : sqlite3_errstr(rc));
    }
    sqlite3_free(err);
    return rc;
}

int database::run(const char* sql) {
    const int rc = prepare(sql).run();
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

transaction::transaction(database& db, kind k)
    : db_(db),
      begin_rc_(db.run(k == kind::immediate ? "BEGIN IMMEDIATE" : "BEGIN")),
      open_(begin_rc_ == SQLITE_OK) {}

transaction::~transaction() {
    if (open_) db_.run("ROLLBACK");
}

int transaction::commit() {
    if (!open_) return begin_rc_ == SQLITE_OK ? SQLITE_MISUSE : begin_rc_;
    int rc = db_.run("COMMIT");
    if (rc != SQLITE_OK) {
        // A failed COMMIT may leave the transaction open (e.g. SQLITE_BUSY); end it.
        if (!sqlite3_get_autocommit(db_.handle())) db_.run("ROLLBACK");
    }
    open_ = false;
    return rc;
}

}  // namespace circles::storage::detail
