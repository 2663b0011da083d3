// The audit chain in PostgreSQL: appending entries inside the caller's transaction under the
// head row's lock, and reading them back for `verify_audit`. The chain itself (signing,
// checks) is audit_chain.cpp.
#include <limits>
#include <stdexcept>

#include "audit_chain.hpp"
#include "pg_db.hpp"

namespace circles::storage::detail {
namespace {

// Rows read per statement while verifying: the log is read in pages, never whole.
constexpr std::int64_t rows_per_page = 1000;

std::optional<audit_head> head_of(const pg_result& r) {
    if (!r.ok() || r.rows() != 1) return std::nullopt;
    const auto hash = to_audit_hash(r.bytes(0, 1));
    if (!hash) return std::nullopt;
    return audit_head{r.int64(0, 0), *hash};
}

}  // namespace

std::optional<audit_head> read_audit_head(pg_connection& db) {
    return head_of(db.query("SELECT last_id, last_hash FROM audit_head WHERE singleton = 1"));
}

std::optional<audit_head> append_audit_entries(pg_connection& db, const audit_key& key,
                                               std::span<const audit_record> records,
                                               std::int64_t now) {
    // The lock every appender on every node waits for: one chain, one order. Taken last in a
    // batch (after its rooms), so it is held only while these few statements run.
    auto r = db.query("SELECT last_id, last_hash FROM audit_head WHERE singleton = 1 FOR UPDATE");
    auto head = head_of(r);
    if (!head) {
        if (r.ok()) log_unusable_audit_head();  // a failed statement is logged already
        return std::nullopt;
    }
    const bool inserted = pg_insert_rows(
        db,
        "INSERT INTO audit_log(id, at_ms, school_id, actor_id, action, room_id, target, detail,"
        " prev_hash, hash) VALUES ",
        {"bigint", "bigint", "bigint", "bigint", "text", "bigint", "text", "text", "bytea",
         "bytea"},
        records.size(),
        [&](pg_params& p, std::size_t i) {  // in order: each entry follows the one before
            const audit_record& r = records[i];
            const audit_entry e = key.next(*head, r, now);
            p.add(e.id).add(e.at_ms).add(r.school).add(r.actor).add(r.action).add(r.room);
            p.add(r.target).add(r.detail).add_bytes(e.prev).add_bytes(e.hash);
            *head = {e.id, e.hash};
        },
        "INSERT INTO audit_log ...");
    if (!inserted) return std::nullopt;
    pg_params p;
    p.add(head->id).add_bytes(head->hash);
    r = db.query("UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE singleton = 1", p);
    if (!r.ok() || r.affected() != 1) return std::nullopt;
    return head;
}

std::optional<audit_head> read_pg_audit(const std::string& conninfo, const audit_row_fn& each) {
    pg_connection db(conninfo);
    // REPEATABLE READ, READ ONLY: every page below and the head row see one moment, whatever
    // the nodes append meanwhile.
    pg_transaction tx(db, pg_transaction::kind::snapshot);
    if (!tx.ok()) throw std::runtime_error("cannot read PostgreSQL " + db.describe());
    auto has_log = db.query("SELECT to_regclass('audit_log') IS NOT NULL");
    if (!has_log.ok() || has_log.rows() != 1) {
        throw std::runtime_error("cannot read PostgreSQL " + db.describe() + ": " +
                                 has_log.message());
    }
    if (has_log.text(0, 0) != "t") {
        throw std::runtime_error("PostgreSQL " + db.describe() +
                                 " has no audit log yet: start the server on it once to "
                                 "migrate it");
    }
    static const std::string sql = "SELECT " + std::string(audit_columns) +
                                   " FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2";
    std::int64_t after = std::numeric_limits<std::int64_t>::min();
    for (bool more = true; more;) {
        pg_params p;
        p.add(after).add(rows_per_page);
        auto r = db.query(sql.c_str(), p);
        if (!r.ok()) throw std::runtime_error("cannot read the audit log: " + r.message());
        for (int i = 0; i < r.rows() && more; ++i) {
            const auto row = audit_row_from([&](int c) { return r.int64(i, c); },
                                            [&](int c) { return r.text(i, c); },
                                            [&](int c) { return r.bytes(i, c); });
            more = each(row);
            after = row.id;
        }
        more = more && r.rows() == rows_per_page;
    }
    return read_audit_head(db);
}

}  // namespace circles::storage::detail
