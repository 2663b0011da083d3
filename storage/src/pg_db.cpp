#include "pg_db.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <stdexcept>
#include <utility>

namespace circles::storage::detail {
namespace {

// libpq messages end in newlines and continue on tab-indented lines: make them one line.
std::string one_line(std::string_view s) {
    std::string out;
    bool space = false;
    for (char c : s) {
        if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        unsigned value = 0;
        if (s[i] == '%' && i + 2 < s.size() &&
            std::from_chars(s.data() + i + 1, s.data() + i + 3, value, 16).ptr ==
                s.data() + i + 3) {
            out += static_cast<char>(value);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

struct redacted {
    std::string text;                  // the connection string with every password as ***
    std::vector<std::string> secrets;  // the passwords as written (and percent-decoded)
};

bool is_url(std::string_view s) {
    return s.starts_with("postgresql://") || s.starts_with("postgres://");
}

// Finds the passwords a connection string may hold: a URL's user:password@, and any
// password=VALUE (a URL query parameter or a key=value pair, quoted or not). Errs on the side
// of hiding too much.
redacted redact(std::string_view conninfo) {
    std::vector<std::pair<std::size_t, std::size_t>> ranges;  // [begin, end)
    if (is_url(conninfo)) {
        const std::size_t start = conninfo.find("://") + 3;
        const std::size_t at = conninfo.rfind('@');
        if (at != std::string_view::npos && at > start) {
            const std::size_t colon = conninfo.find(':', start);
            if (colon < at) ranges.emplace_back(colon + 1, at);
        }
    }
    for (std::size_t pos = conninfo.find("password="); pos != std::string_view::npos;
         pos = conninfo.find("password=", pos + 1)) {
        std::size_t begin = pos + 9;
        std::size_t end = begin;
        if (begin < conninfo.size() && conninfo[begin] == '\'') {
            for (end = begin + 1; end < conninfo.size() && conninfo[end] != '\''; ++end) {
                if (conninfo[end] == '\\') ++end;
            }
            end = std::min(end + 1, conninfo.size());
        } else {
            end = conninfo.find_first_of("& \t\r\n", begin);
            if (end == std::string_view::npos) end = conninfo.size();
        }
        if (end > begin) ranges.emplace_back(begin, end);
    }
    std::sort(ranges.begin(), ranges.end());
    redacted out;
    std::size_t copied = 0;
    for (auto [begin, end] : ranges) {
        if (end <= copied) continue;
        begin = std::max(begin, copied);
        out.text.append(conninfo.substr(copied, begin - copied));
        out.text += "***";
        std::string secret(conninfo.substr(begin, end - begin));
        out.secrets.push_back(percent_decode(secret));
        if (secret.size() > 1 && secret.front() == '\'') {
            out.secrets.push_back(secret.substr(1, secret.size() - 2));
        }
        out.secrets.push_back(std::move(secret));
        copied = end;
    }
    out.text.append(conninfo.substr(copied));
    return out;
}

// Removes every secret from a message about the connection (libpq quotes parts of a
// malformed connection string back).
std::string scrub(std::string msg, const std::vector<std::string>& secrets) {
    for (const auto& s : secrets) {
        if (s.empty()) continue;
        for (std::size_t pos = msg.find(s); pos != std::string::npos; pos = msg.find(s, pos + 3)) {
            msg.replace(pos, s.size(), "***");
        }
    }
    return msg;
}

// "(host h, port p, database d, user u)" from the parsed options: no password.
std::string target_of(const std::string& conninfo, std::vector<std::string>& secrets) {
    if (conninfo.find('=') == std::string::npos && !is_url(conninfo)) {
        return "(database " + conninfo + ")";  // a bare database name
    }
    char* err = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &err);
    if (options == nullptr) {
        std::string why = err ? one_line(err) : std::string("out of memory");
        PQfreemem(err);
        throw std::runtime_error("invalid PostgreSQL connection string \"" + redact(conninfo).text +
                                 "\": " + scrub(why, secrets));
    }
    std::string out;
    const std::pair<const char*, const char*> shown[] = {{"host", "host"},
                                                         {"hostaddr", "address"},
                                                         {"port", "port"},
                                                         {"dbname", "database"},
                                                         {"user", "user"}};
    for (const auto& [keyword, label] : shown) {
        for (auto* o = options; o->keyword != nullptr; ++o) {
            if (std::string_view(o->keyword) == keyword && o->val != nullptr && *o->val) {
                out += (out.empty() ? "(" : ", ") + std::string(label) + " " + o->val;
            }
        }
    }
    for (auto* o = options; o->keyword != nullptr; ++o) {
        if (std::string_view(o->keyword) == "password" && o->val != nullptr) {
            secrets.emplace_back(o->val);
        }
    }
    PQconninfoFree(options);
    return out.empty() ? std::string("(libpq defaults)") : out + ")";
}

}  // namespace

// --- pg_result -----------------------------------------------------------------------------

pg_result::~pg_result() { PQclear(r_); }

pg_result& pg_result::operator=(pg_result&& other) noexcept {
    if (this != &other) {
        PQclear(r_);
        r_ = std::exchange(other.r_, nullptr);
    }
    return *this;
}

bool pg_result::ok() const noexcept {
    if (r_ == nullptr) return false;
    const auto s = PQresultStatus(r_);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

std::int64_t pg_result::int64(int row, int col) const {
    const char* p = PQgetvalue(r_, row, col);
    std::int64_t v = 0;
    std::from_chars(p, p + PQgetlength(r_, row, col), v);
    return v;
}

std::string pg_result::text(int row, int col) const {
    return std::string(PQgetvalue(r_, row, col),
                       static_cast<std::size_t>(PQgetlength(r_, row, col)));
}

std::vector<unsigned char> pg_result::bytes(int row, int col) const {
    const std::string_view hex(PQgetvalue(r_, row, col),
                               static_cast<std::size_t>(PQgetlength(r_, row, col)));
    std::vector<unsigned char> out;
    if (!hex.starts_with("\\x")) return out;  // bytea_output is set to hex per session
    out.reserve((hex.size() - 2) / 2);
    for (std::size_t i = 2; i + 1 < hex.size(); i += 2) {
        unsigned value = 0;
        std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
        out.push_back(static_cast<unsigned char>(value));
    }
    return out;
}

std::string_view pg_result::command() const noexcept {
    return r_ ? std::string_view(PQcmdStatus(r_)) : std::string_view();
}

std::int64_t pg_result::affected() const { return r_ ? std::atoll(PQcmdTuples(r_)) : 0; }

std::string_view pg_result::sqlstate() const noexcept {
    const char* s = r_ ? PQresultErrorField(r_, PG_DIAG_SQLSTATE) : nullptr;
    return s ? std::string_view(s) : std::string_view();
}

std::string pg_result::message() const {
    if (r_ == nullptr) return "no result (connection lost or out of memory)";
    const char* primary = PQresultErrorField(r_, PG_DIAG_MESSAGE_PRIMARY);
    return one_line(primary ? primary : PQresultErrorMessage(r_));
}

// --- pg_params -----------------------------------------------------------------------------

pg_params& pg_params::add(std::int64_t value) {
    data_.push_back(std::to_string(value));
    null_.push_back(0);
    formats_.push_back(0);
    return *this;
}

pg_params& pg_params::add(std::string_view text) {
    data_.emplace_back(text);
    null_.push_back(0);
    formats_.push_back(0);
    return *this;
}

pg_params& pg_params::add_bytes(std::span<const unsigned char> bytes) {
    data_.emplace_back(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    null_.push_back(0);
    formats_.push_back(1);
    return *this;
}

pg_params& pg_params::add_null() {
    data_.emplace_back();
    null_.push_back(1);
    formats_.push_back(0);
    return *this;
}

// --- pg_connection -------------------------------------------------------------------------

pg_connection::pg_connection(const std::string& conninfo) {
    std::vector<std::string> secrets = redact(conninfo).secrets;
    const std::string target = target_of(conninfo, secrets);
    // Defaults first: whatever the connection string says overrides them (expand_dbname).
    const char* keywords[] = {"connect_timeout", "application_name", "client_encoding", "dbname",
                              nullptr};
    const char* values[] = {"10", "circles", "UTF8", conninfo.c_str(), nullptr};
    conn_ = PQconnectdbParams(keywords, values, 1);
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
        std::string why = conn_ ? one_line(PQerrorMessage(conn_)) : std::string("out of memory");
        PQfinish(conn_);
        conn_ = nullptr;
        throw std::runtime_error("cannot connect to PostgreSQL " + target + ": " +
                                 scrub(why, secrets));
    }
    set_up_session();
    if (broken()) {
        std::string why = one_line(PQerrorMessage(conn_));
        PQfinish(conn_);
        conn_ = nullptr;
        throw std::runtime_error("cannot set up a PostgreSQL session " + target + ": " +
                                 scrub(why, secrets));
    }
}

pg_connection::~pg_connection() { PQfinish(conn_); }

void pg_connection::set_up_session() {
    // Server notices go to the log, not stderr: a dropped connection's FATAL as a warning,
    // the rest ("relation already exists, skipping") at debug level.
    PQsetNoticeReceiver(
        conn_,
        [](void* self, const PGresult* r) {
            const char* severity = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
            const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
            const bool fatal = severity && (std::string_view(severity) == "FATAL" ||
                                            std::string_view(severity) == "PANIC");
            // A FATAL while idle: the server is closing this session (its EOF may follow).
            if (fatal) static_cast<pg_connection*>(self)->doomed_ = true;
            spdlog::log(fatal ? spdlog::level::warn : spdlog::level::debug,
                        "storage: PostgreSQL says: {} {}", severity ? severity : "",
                        one_line(primary ? primary : ""));
        },
        this);
    // synchronous_commit=on: COMMIT returns once the commit is durable (the ack promise).
    // bytea_output=hex: what pg_result::bytes reads. lock_timeout: a node that stalls while
    // holding a room's row lock fails the other nodes' batches (io_error, clients retry)
    // instead of stopping their writers for good.
    PQclear(PQexec(conn_,
                   "SET synchronous_commit = on; SET bytea_output = 'hex';"
                   " SET client_min_messages = warning; SET lock_timeout = '30s'"));
}

std::string pg_connection::describe() const {
    std::string host = PQhost(conn_) ? PQhost(conn_) : "";
    if (host.starts_with('/')) host = "socket " + host;
    return host + ":" + (PQport(conn_) ? PQport(conn_) : "") + "/" +
           (PQdb(conn_) ? PQdb(conn_) : "") + " as " + (PQuser(conn_) ? PQuser(conn_) : "");
}

bool pg_connection::usable() {
    if (in_transaction_) return !broken();  // never continue a transaction on a new session
    // A server that dropped the idle connection has left a FATAL error and then EOF on the
    // socket: read them now (poll with no timeout, libpq's socket is non-blocking: this never
    // waits) and reconnect before sending, rather than lose this statement. The EOF can lag
    // the FATAL by a few milliseconds, so the FATAL alone is enough.
    for (int i = 0; i < 4 && !broken(); ++i) {
        pollfd p{PQsocket(conn_), POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0 || !PQconsumeInput(conn_)) break;  // the FATAL, then EOF
        PQisBusy(conn_);  // parses what was read: a FATAL reaches the notice receiver
    }
    if (!broken() && !doomed_) return true;
    PQreset(conn_);
    doomed_ = false;
    prepared_.clear();  // prepared statements belonged to the old session
    if (broken()) {
        spdlog::warn("storage: PostgreSQL {} unreachable: {}", describe(),
                     one_line(PQerrorMessage(conn_)));
        return false;
    }
    set_up_session();
    spdlog::info("storage: reconnected to PostgreSQL {}", describe());
    return !broken();
}

pg_result pg_connection::checked(PGresult* raw, const char* sql) {
    pg_result r(raw);
    if (!r.ok()) {
        // The SQL is constant text with $n placeholders; bound values are never logged.
        const auto level = r.unique_violation() || r.foreign_key_violation() ? spdlog::level::debug
                                                                             : spdlog::level::warn;
        const std::string why = raw ? r.message() : one_line(PQerrorMessage(conn_));
        spdlog::log(level, "storage: statement failed ({}): {} [{}]", r.sqlstate(), why, sql);
    }
    return r;
}

pg_result pg_connection::exec(const char* sql) {
    if (!usable()) return pg_result();
    return checked(PQexec(conn_, sql), sql);
}

pg_result pg_connection::query(const char* sql, const pg_params& params) {
    if (!usable()) return pg_result();
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
        std::string name = "circles_" + std::to_string(prepared_.size() + 1);
        pg_result r = checked(PQprepare(conn_, name.c_str(), sql, 0, nullptr), sql);
        if (!r.ok()) return r;
        it = prepared_.emplace(sql, std::move(name)).first;
    }
    std::vector<const char*> values(params.data_.size());
    std::vector<int> lengths(params.data_.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        values[i] = params.null_[i] ? nullptr : params.data_[i].data();
        lengths[i] = static_cast<int>(params.data_[i].size());
    }
    return checked(PQexecPrepared(conn_, it->second.c_str(), params.size(), values.data(),
                                  lengths.data(), params.formats_.data(), 0),
                   sql);
}

pg_result pg_connection::query_idempotent(const char* sql, const pg_params& params) {
    pg_result r = query(sql, params);
    if (!r.ok() && broken() && !in_transaction_) r = query(sql, params);
    return r;
}

pg_result pg_connection::query_dynamic(const std::string& sql, const pg_params& params,
                                       const char* what) {
    if (!usable()) return pg_result();
    std::vector<const char*> values(params.data_.size());
    std::vector<int> lengths(params.data_.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        values[i] = params.null_[i] ? nullptr : params.data_[i].data();
        lengths[i] = static_cast<int>(params.data_[i].size());
    }
    return checked(PQexecParams(conn_, sql.c_str(), params.size(), nullptr, values.data(),
                                lengths.data(), params.formats_.data(), 0),
                   what);
}

// --- pg_transaction ------------------------------------------------------------------------

pg_transaction::pg_transaction(pg_connection& db, kind k) : db_(db) {
    // READ COMMITTED whatever the database default: each statement of a batch must see what
    // other nodes committed before this batch took its room locks.
    const char* begin = k == kind::snapshot ? "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                                            : "BEGIN ISOLATION LEVEL READ COMMITTED";
    pg_result r = db_.exec(begin);
    if (!r.ok() && db_.broken()) r = db_.exec(begin);  // dropped while idle: nothing was lost
    open_ = r.ok();
    db_.in_transaction_ = open_;
}

pg_transaction::~pg_transaction() {
    if (open_) db_.exec("ROLLBACK");
    db_.in_transaction_ = false;
}

bool pg_transaction::commit() {
    if (!open_) return false;
    pg_result r = db_.exec("COMMIT");
    // COMMIT of a transaction that had failed answers "ROLLBACK" with a success status.
    const bool committed = r.ok() && r.command() == "COMMIT";
    open_ = false;
    db_.in_transaction_ = false;
    return committed;
}

// --- helpers -------------------------------------------------------------------------------

bool pg_insert_rows(pg_connection& db, std::string_view head,
                    std::initializer_list<const char*> types, std::size_t rows,
                    const std::function<void(pg_params&, std::size_t)>& add_row, const char* what) {
    for (std::size_t start = 0; start < rows; start += pg_rows_per_insert) {
        const std::size_t n = std::min(pg_rows_per_insert, rows - start);
        pg_params p;
        for (std::size_t i = start; i < start + n; ++i) add_row(p, i);
        if (!db.query_dynamic(pg_values_sql(head, types, n), p, what).ok()) return false;
    }
    return true;
}

std::string pg_values_sql(std::string_view head, std::initializer_list<const char*> types,
                          std::size_t rows, std::string_view tail) {
    std::string sql(head);
    int n = 0;
    for (std::size_t row = 0; row < rows; ++row) {
        sql += row ? ",(" : "(";
        bool first = true;
        for (const char* type : types) {
            if (!first) sql += ',';
            first = false;
            sql += '$' + std::to_string(++n) + "::" + type;
        }
        sql += ')';
    }
    sql += tail;
    return sql;
}

std::string pg_int_array(std::span<const std::int64_t> values) {
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += ',';
        out += std::to_string(values[i]);
    }
    return out + "}";
}

std::string pg_text_array(std::span<const std::string_view> values) {
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += ',';
        out += '"';
        for (char c : values[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

}  // namespace circles::storage::detail
