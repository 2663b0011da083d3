// pg_store: peer reports. Filing and settling commit with their audit entries on
// directory_db_. Nodes may file reports of one message at once: its row is locked (FOR
// UPDATE) while the report is checked and inserted, so the same student's second report is
// always seen as a duplicate; a report is locked while it is settled, so it is audited once.
#include "circles/storage/limits.hpp"
#include "pg_store.hpp"
#include "report_rows.hpp"

namespace circles::storage::detail {

namespace {

// Every report in `r` (report_select and a WHERE, run inside a transaction or on the read
// pool), its note opened.
template <class Keys>
result<std::vector<report>> reports_from(pg_connection& db, const pg_result& r, Keys& keys) {
    if (!r.ok()) return errc::io_error;
    std::vector<report> out;
    for (int i = 0; i < r.rows(); ++i) {
        auto one = report_from(
            [&](int c) { return r.int64(i, c); }, [&](int c) { return r.bytes(i, c); },
            [&](room_id room, std::int64_t key_id) {
                return keys.get(room, key_id, [&] { return load_room_key(db, room, key_id); });
            });
        if (!one) return one.error();
        out.push_back(std::move(*one));
    }
    return out;
}

}  // namespace

result<filed_report> pg_store::file_report(const report_request& req) {
    if (!valid_report(req)) return errc::invalid_argument;
    std::lock_guard lock(directory_mutex_);
    pg_transaction tx(directory_db_);
    if (!tx.ok()) return errc::io_error;
    school_id school = 0;
    std::int64_t key_id = 0;
    {
        pg_params p;
        p.add(req.room).add(static_cast<std::int64_t>(req.seq));
        auto r = directory_db_.query(
            "SELECT m.sender_id, m.status, m.key_id, r.school_id FROM messages m"
            " JOIN rooms r ON r.id = m.room_id WHERE m.room_id = $1 AND m.seq = $2"
            " FOR UPDATE OF m",
            p);
        if (!r.ok()) return errc::io_error;
        if (r.rows() == 0) return errc::not_found;
        if (r.int64(0, 1) != static_cast<std::int64_t>(message_status::visible)) {
            return errc::not_found;
        }
        if (r.int64(0, 0) == req.reporter) return errc::invalid_argument;
        key_id = r.int64(0, 2);
        school = r.int64(0, 3);
    }
    {
        static const std::string sql =
            report_where("WHERE room_id = $1 AND seq = $2 AND reporter_id = $3");
        pg_params p;
        p.add(req.room).add(static_cast<std::int64_t>(req.seq)).add(req.reporter);
        auto earlier = reports_from(directory_db_, directory_db_.query(sql.c_str(), p), keys_);
        if (!earlier) return earlier.error();
        if (!earlier->empty()) return filed_report{std::move(earlier->front()), true};
    }
    {
        pg_params p;
        p.add(req.room).add(req.reporter);
        auto r = directory_db_.query(
            "SELECT count(*) FROM reports WHERE room_id = $1 AND reporter_id = $2 AND state = 1",
            p);
        if (!r.ok() || r.rows() != 1) return errc::io_error;
        if (static_cast<std::size_t>(r.int64(0, 0)) >= limits::max_open_reports_per_reporter) {
            return errc::limit_reached;
        }
    }
    report out;
    {
        auto r = directory_db_.query("SELECT nextval(pg_get_serial_sequence('reports', 'id'))");
        if (!r.ok() || r.rows() != 1) return errc::io_error;
        out.id = r.int64(0, 0);
    }
    auto key =
        keys_.get(req.room, key_id, [&] { return load_room_key(directory_db_, req.room, key_id); });
    if (!key) return key_error(key.error());
    out.room = req.room;
    out.seq = req.seq;
    out.reporter = req.reporter;
    out.category = req.category;
    out.note = req.note;
    out.escalation_id = req.escalation_id;
    out.created_at_ms = now_ms();
    const sealed box = seal(**key, out.note, report_ad(out.id, key_id));
    pg_params p;
    p.add(out.id).add(out.room).add(static_cast<std::int64_t>(out.seq)).add(out.reporter);
    p.add(static_cast<std::int64_t>(out.category)).add(key_id);
    p.add_bytes(box.nonce).add_bytes(box.ciphertext);
    if (out.escalation_id) {
        p.add(out.escalation_id);
    } else {
        p.add_null();
    }
    p.add(out.created_at_ms);
    auto r = directory_db_.query(
        "INSERT INTO reports(id, room_id, seq, reporter_id, category, key_id, nonce, ciphertext,"
        " escalation_id, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        p);
    if (!r.ok()) return r.foreign_key_violation() ? errc::not_found : errc::io_error;
    if (!commit_with_audit(tx, report_filed(school, out))) return errc::io_error;
    return filed_report{std::move(out), false};
}

result<std::vector<report>> pg_store::reports_of(room_id room, user_id reporter) {
    static const std::string open_sql =
        report_where("WHERE room_id = $1 AND state = 1 ORDER BY id LIMIT $2");
    static const std::string mine_sql =
        report_where("WHERE room_id = $1 AND reporter_id = $3 ORDER BY id DESC LIMIT $2");
    pg_params p;
    p.add(room).add(static_cast<std::int64_t>(limits::max_reports_listed));
    if (reporter) p.add(reporter);
    auto db = reads_.acquire();
    return reports_from(
        *db, db->query_idempotent(reporter ? mine_sql.c_str() : open_sql.c_str(), p), keys_);
}

result<settled_report> pg_store::handle_report(room_id room, std::int64_t id, report_state to,
                                               user_id by) {
    if (to != report_state::dismissed && to != report_state::actioned) {
        return errc::invalid_argument;
    }
    std::lock_guard lock(directory_mutex_);
    pg_transaction tx(directory_db_);
    if (!tx.ok()) return errc::io_error;
    static const std::string sql = report_where("WHERE id = $1 AND room_id = $2 FOR UPDATE");
    pg_params p;
    p.add(id).add(room);
    auto found = reports_from(directory_db_, directory_db_.query(sql.c_str(), p), keys_);
    if (!found) return found.error();
    if (found->empty()) return errc::not_found;
    report r = std::move(found->front());
    if (r.state != report_state::open) return settled_report{std::move(r), false};
    r.state = to;
    r.handled_by = by;
    r.handled_at_ms = now_ms();
    pg_params u;
    u.add(static_cast<std::int64_t>(to)).add(by).add(r.handled_at_ms).add(id);
    auto updated = directory_db_.query(
        "UPDATE reports SET state = $1, handled_by = $2, handled_at_ms = $3 WHERE id = $4"
        " RETURNING (SELECT school_id FROM rooms WHERE rooms.id = reports.room_id)",
        u);
    if (!updated.ok() || updated.rows() != 1) return errc::io_error;
    if (!commit_with_audit(tx, report_settled(updated.int64(0, 0), r, by))) return errc::io_error;
    return settled_report{std::move(r), true};
}

result<std::vector<report>> pg_store::settle_reports_on(room_id room, seq_t seq, user_id by) {
    std::lock_guard lock(directory_mutex_);
    pg_transaction tx(directory_db_);
    if (!tx.ok()) return errc::io_error;
    static const std::string sql =
        report_where("WHERE room_id = $1 AND seq = $2 AND state = 1 ORDER BY id FOR UPDATE");
    pg_params p;
    p.add(room).add(static_cast<std::int64_t>(seq));
    auto open = reports_from(directory_db_, directory_db_.query(sql.c_str(), p), keys_);
    if (!open) return open.error();
    if (open->empty()) return open;
    pg_params s;
    s.add(room);
    auto school = directory_db_.query("SELECT school_id FROM rooms WHERE id = $1", s);
    if (!school.ok() || school.rows() != 1) return errc::io_error;
    const std::int64_t now = now_ms();
    pg_params u;
    u.add(by).add(now).add(room).add(static_cast<std::int64_t>(seq));
    if (!directory_db_
             .query("UPDATE reports SET state = 3, handled_by = $1, handled_at_ms = $2"
                    " WHERE room_id = $3 AND seq = $4 AND state = 1",
                    u)
             .ok()) {
        return errc::io_error;
    }
    std::vector<audit_record> entries;
    for (auto& r : *open) {
        r.state = report_state::actioned;
        r.handled_by = by;
        r.handled_at_ms = now;
        entries.push_back(report_settled(school.int64(0, 0), r, by));
    }
    if (!commit_with_audit(tx, entries)) return errc::io_error;
    return open;
}

}  // namespace circles::storage::detail
