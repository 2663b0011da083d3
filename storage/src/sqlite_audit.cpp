// The audit chain in SQLite: appending entries inside the caller's transaction, and reading
// them back for `verify_audit`. The chain itself (signing, checks) is audit_chain.cpp.
#include <stdexcept>

#include "audit_chain.hpp"
#include "sqlite_db.hpp"

namespace circles::storage::detail {

std::optional<audit_head> read_audit_head(database& db) {
    auto q = db.prepare("SELECT last_id, last_hash FROM audit_head WHERE singleton = 1");
    if (q.step() != SQLITE_ROW) return std::nullopt;
    const auto hash = to_audit_hash(q.blob(1));
    if (!hash) return std::nullopt;
    return audit_head{q.int64(0), *hash};
}

std::optional<audit_head> append_audit_entries(database& db, const audit_key& key,
                                               std::span<const audit_record> records,
                                               std::int64_t now) {
    auto head = read_audit_head(db);
    if (!head) {
        log_unusable_audit_head();
        return std::nullopt;
    }
    for (const auto& r : records) {
        const audit_entry e = key.next(*head, r, now);
        auto q = db.prepare(
            "INSERT INTO audit_log(id, at_ms, school_id, actor_id, action, room_id, target,"
            " detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        q.bind(1, e.id).bind(2, e.at_ms).bind(3, r.school).bind(4, r.actor).bind(5, r.action);
        q.bind(6, r.room).bind(7, r.target).bind(8, r.detail);
        q.bind_blob(9, e.prev).bind_blob(10, e.hash);
        if (q.run() != SQLITE_DONE) return std::nullopt;
        *head = {e.id, e.hash};
    }
    auto q = db.prepare("UPDATE audit_head SET last_id = ?, last_hash = ? WHERE singleton = 1");
    q.bind(1, head->id).bind_blob(2, head->hash);
    if (q.run() != SQLITE_DONE || db.changes() != 1) return std::nullopt;
    return head;
}

std::optional<audit_head> read_sqlite_audit(const std::filesystem::path& db_file,
                                            const audit_row_fn& each) {
    if (!std::filesystem::exists(db_file)) {
        throw std::runtime_error("no Circles database at " + db_file.string());
    }
    database db(db_file, database::mode::read_only);
    // One read transaction: in WAL mode, a snapshot of the last commit before its first read.
    transaction tx(db, transaction::kind::deferred);
    if (!tx.ok()) throw std::runtime_error("cannot read " + db_file.string() + ": " + db.errmsg());
    auto has_log = db.prepare(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'");
    if (has_log.step() != SQLITE_ROW) {
        throw std::runtime_error("cannot read " + db_file.string() + ": " + db.errmsg());
    }
    if (has_log.int64(0) == 0) {
        throw std::runtime_error(db_file.string() +
                                 " has no audit log yet: start the server on it once to "
                                 "migrate it");
    }
    static const std::string sql =
        "SELECT " + std::string(audit_columns) + " FROM audit_log ORDER BY id";
    auto q = db.prepare(sql.c_str());
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        const auto row =
            audit_row_from([&](int c) { return q.int64(c); }, [&](int c) { return q.text(c); },
                           [&](int c) { return q.blob(c); });
        if (!each(row)) break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        throw std::runtime_error(std::string("cannot read the audit log: ") + db.errmsg());
    }
    return read_audit_head(db);
}

}  // namespace circles::storage::detail
