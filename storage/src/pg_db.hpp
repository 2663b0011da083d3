#pragma once
// Thin RAII over libpq, private to the storage module.
//
// Fixed statements are prepared once per connection and cached by their text (`query`);
// statements built per batch (multi-row INSERT) run unnamed (`query_dynamic`). Parameters go
// as text, except bytea, which goes binary; results come back as text. A failed statement
// does not throw: its result says so, and it is logged once with its SQLSTATE and constant
// SQL, never a bound value. Only connecting throws (start-up).
//
// A connection the server dropped (restart, failover, pg_terminate_backend) is re-established
// before the next statement that runs outside a transaction; inside one, every statement
// fails until the transaction object ends, so a batch never continues on a new session.
#include <libpq-fe.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace circles::storage::detail {

class pg_result {
  public:
    pg_result() = default;
    explicit pg_result(PGresult* r) noexcept : r_(r) {}
    ~pg_result();
    pg_result(pg_result&& other) noexcept : r_(other.r_) { other.r_ = nullptr; }
    pg_result& operator=(pg_result&& other) noexcept;
    pg_result(const pg_result&) = delete;
    pg_result& operator=(const pg_result&) = delete;

    bool ok() const noexcept;  // the statement succeeded (with or without rows)
    int rows() const noexcept { return r_ ? PQntuples(r_) : 0; }
    bool is_null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
    std::int64_t int64(int row, int col) const;
    std::string text(int row, int col) const;
    std::vector<unsigned char> bytes(int row, int col) const;  // a bytea column
    std::int64_t affected() const;              // rows an INSERT, UPDATE or DELETE touched
    std::string_view command() const noexcept;  // the command tag: "COMMIT", "INSERT 0 1", ...

    std::string_view sqlstate() const noexcept;  // "" when none
    bool unique_violation() const noexcept { return sqlstate() == "23505"; }
    bool foreign_key_violation() const noexcept { return sqlstate() == "23503"; }
    std::string message() const;  // the primary error message on one line

  private:
    PGresult* r_ = nullptr;
};

class pg_params {
  public:
    pg_params& add(std::int64_t value);
    // Text must be valid UTF-8 without NUL (libpq passes it as a C string): callers check
    // with valid_utf8() first and answer without a query when it is not.
    pg_params& add(std::string_view text);
    pg_params& add_bytes(std::span<const unsigned char> bytes);  // bytea, sent binary
    pg_params& add_null();
    int size() const noexcept { return static_cast<int>(data_.size()); }

  private:
    friend class pg_connection;
    std::vector<std::string> data_;
    std::vector<char> null_;
    std::vector<int> formats_;  // 0 text, 1 binary
};

class pg_connection {
  public:
    // Connects with `conninfo` (URL or key=value). Throws std::runtime_error with one line
    // that names the server but never the password.
    explicit pg_connection(const std::string& conninfo);
    ~pg_connection();
    pg_connection(const pg_connection&) = delete;  // the notice receiver holds `this`
    pg_connection& operator=(const pg_connection&) = delete;

    // SQL without parameters (BEGIN, COMMIT, DDL); several statements allowed.
    pg_result exec(const char* sql);
    // A statement prepared once per connection, cached by its text.
    pg_result query(const char* sql, const pg_params& params = {});
    // The same, run a second time when the first attempt lost the connection (outside a
    // transaction only): for reads and other statements that are safe to repeat.
    pg_result query_idempotent(const char* sql, const pg_params& params = {});
    // A statement built at run time, not cached; `what` names it in the log.
    pg_result query_dynamic(const std::string& sql, const pg_params& params, const char* what);

    // True when the server side of the connection is gone.
    bool broken() const noexcept { return PQstatus(conn_) == CONNECTION_BAD; }
    // Where this connection goes: "host:port/dbname as user", never the password.
    std::string describe() const;

  private:
    friend class pg_transaction;
    bool usable();  // reconnects a broken connection when outside a transaction
    void set_up_session();
    pg_result checked(PGresult* r, const char* sql);

    PGconn* conn_ = nullptr;
    bool in_transaction_ = false;
    bool doomed_ = false;  // the server sent FATAL: reconnect before the next statement
    std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
};

// BEGIN ... COMMIT, rolled back unless committed. BEGIN on a connection the server dropped
// while it was idle reconnects and begins again: nothing had been sent yet.
class pg_transaction {
  public:
    // read_committed: what every write uses (each statement sees what other nodes committed).
    // snapshot: REPEATABLE READ, READ ONLY: every statement sees one moment (for reading a
    // whole table, such as the audit log, while nodes keep writing).
    enum class kind { read_committed, snapshot };
    explicit pg_transaction(pg_connection& db, kind k = kind::read_committed);
    ~pg_transaction();
    pg_transaction(const pg_transaction&) = delete;
    pg_transaction& operator=(const pg_transaction&) = delete;

    bool ok() const noexcept { return open_; }
    bool commit();  // false unless PostgreSQL answered COMMIT (a failed one has rolled back)

  private:
    pg_connection& db_;
    bool open_ = false;
};

// Rows per multi-row INSERT: far below PostgreSQL's 65535 parameters per statement.
inline constexpr std::size_t pg_rows_per_insert = 1000;

// "INSERT ... VALUES ($1::bigint, $2::text), ($3::bigint, $4::text) <tail>" for `rows` rows.
std::string pg_values_sql(std::string_view head, std::initializer_list<const char*> types,
                          std::size_t rows, std::string_view tail = {});

// Inserts `rows` rows with multi-row statements of at most pg_rows_per_insert rows each:
// `head` is "INSERT INTO t(a, b) VALUES ", `types` one per column, and add_row(p, i) adds row
// i's parameters (called for i = 0, 1, ... in order). False once a statement fails; `what`
// names it in the log.
bool pg_insert_rows(pg_connection& db, std::string_view head,
                    std::initializer_list<const char*> types, std::size_t rows,
                    const std::function<void(pg_params&, std::size_t)>& add_row, const char* what);

// `{1,2,3}`: a bigint[] parameter in text form.
std::string pg_int_array(std::span<const std::int64_t> values);
// `{"a","b"}`: a text[] parameter in text form (elements valid UTF-8 without NUL).
std::string pg_text_array(std::span<const std::string_view> values);

}  // namespace circles::storage::detail
