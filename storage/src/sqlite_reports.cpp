// sqlite_store: peer reports. Filing and settling commit with their audit entries on
// directory_db_ (BEGIN IMMEDIATE, so report ids taken as max()+1 cannot collide); lists
// read on the read pool.
#include "circles/storage/limits.hpp"
#include "report_rows.hpp"
#include "sqlite_store.hpp"

namespace circles::storage::detail {

namespace {

// Every report `q` (report_select and a WHERE) yields, its note opened.
template <class Keys>
result<std::vector<report>> read_reports(database& db, query& q, Keys& keys) {
    std::vector<report> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        auto r = report_from([&](int c) { return q.int64(c); }, [&](int c) { return q.blob(c); },
                             [&](room_id room, std::int64_t key_id) {
                                 return keys.get(room, key_id,
                                                 [&] { return load_room_key(db, room, key_id); });
                             });
        if (!r) return r.error();
        out.push_back(std::move(*r));
    }
    if (rc != SQLITE_DONE) return errc::io_error;
    return out;
}

}  // namespace

result<filed_report> sqlite_store::file_report(const report_request& req) {
    if (!valid_report(req)) return errc::invalid_argument;
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    {
        static const std::string sql =
            report_where("WHERE room_id = ? AND seq = ? AND reporter_id = ?");
        auto q = directory_db_.prepare(sql.c_str());
        q.bind(1, req.room).bind(2, static_cast<std::int64_t>(req.seq)).bind(3, req.reporter);
        auto earlier = read_reports(directory_db_, q, keys_);
        if (!earlier) return earlier.error();
        if (!earlier->empty()) return filed_report{std::move(earlier->front()), true};
    }
    school_id school = 0;
    std::int64_t key_id = 0;
    {
        auto q = directory_db_.prepare(
            "SELECT m.sender_id, m.status, m.key_id, r.school_id FROM messages m"
            " JOIN rooms r ON r.id = m.room_id WHERE m.room_id = ? AND m.seq = ?");
        q.bind(1, req.room).bind(2, static_cast<std::int64_t>(req.seq));
        const int rc = q.step();
        if (rc == SQLITE_DONE) return errc::not_found;
        if (rc != SQLITE_ROW) return errc::io_error;
        if (q.int64(1) != static_cast<std::int64_t>(message_status::visible)) {
            return errc::not_found;
        }
        if (q.int64(0) == req.reporter) return errc::invalid_argument;
        key_id = q.int64(2);
        school = q.int64(3);
    }
    {
        auto q = directory_db_.prepare(
            "SELECT count(*) FROM reports WHERE room_id = ? AND reporter_id = ? AND state = 1");
        q.bind(1, req.room).bind(2, req.reporter);
        if (q.step() != SQLITE_ROW) return errc::io_error;
        if (static_cast<std::size_t>(q.int64(0)) >= limits::max_open_reports_per_reporter) {
            return errc::limit_reached;
        }
    }
    report r;
    {
        auto q = directory_db_.prepare("SELECT coalesce(max(id), 0) + 1 FROM reports");
        if (q.step() != SQLITE_ROW) return errc::io_error;
        r.id = q.int64(0);
    }
    auto key =
        keys_.get(req.room, key_id, [&] { return load_room_key(directory_db_, req.room, key_id); });
    if (!key) return key_error(key.error());
    r.room = req.room;
    r.seq = req.seq;
    r.reporter = req.reporter;
    r.category = req.category;
    r.note = req.note;
    r.escalation_id = req.escalation_id;
    r.created_at_ms = now_ms();
    const sealed box = seal(**key, r.note, report_ad(r.id, key_id));
    auto q = directory_db_.prepare(
        "INSERT INTO reports(id, room_id, seq, reporter_id, category, key_id, nonce, ciphertext,"
        " escalation_id, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, r.id).bind(2, r.room).bind(3, static_cast<std::int64_t>(r.seq)).bind(4, r.reporter);
    q.bind(5, static_cast<std::int64_t>(r.category)).bind(6, key_id);
    q.bind_blob(7, box.nonce).bind_blob(8, box.ciphertext);
    if (r.escalation_id) {
        q.bind(9, r.escalation_id);
    } else {
        q.bind_null(9);
    }
    q.bind(10, r.created_at_ms);
    const int rc = q.run();
    if (is_foreign_key_violation(rc)) return errc::not_found;  // unknown reporter or escalation
    if (rc != SQLITE_DONE) return errc::io_error;
    if (!commit_with_audit(tx, report_filed(school, r))) return errc::io_error;
    return filed_report{std::move(r), false};
}

result<std::vector<report>> sqlite_store::reports_of(room_id room, user_id reporter) {
    auto db = reads_.acquire();
    static const std::string open_sql =
        report_where("WHERE room_id = ? AND state = 1 ORDER BY id LIMIT ?");
    static const std::string mine_sql =
        report_where("WHERE room_id = ? AND reporter_id = ? ORDER BY id DESC LIMIT ?");
    const auto limit = static_cast<std::int64_t>(limits::max_reports_listed);
    auto q = db->prepare(reporter ? mine_sql.c_str() : open_sql.c_str());
    if (reporter) {
        q.bind(1, room).bind(2, reporter).bind(3, limit);
    } else {
        q.bind(1, room).bind(2, limit);
    }
    return read_reports(*db, q, keys_);
}

result<settled_report> sqlite_store::handle_report(room_id room, std::int64_t id, report_state to,
                                                   user_id by) {
    if (to != report_state::dismissed && to != report_state::actioned) {
        return errc::invalid_argument;
    }
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    static const std::string sql = report_where("WHERE id = ? AND room_id = ?");
    auto q = directory_db_.prepare(sql.c_str());
    q.bind(1, id).bind(2, room);
    auto found = read_reports(directory_db_, q, keys_);
    if (!found) return found.error();
    if (found->empty()) return errc::not_found;
    report r = std::move(found->front());
    if (r.state != report_state::open) return settled_report{std::move(r), false};
    auto school = school_of_room(directory_db_, room);
    if (!school) return school.error();
    r.state = to;
    r.handled_by = by;
    r.handled_at_ms = now_ms();
    auto u = directory_db_.prepare(
        "UPDATE reports SET state = ?, handled_by = ?, handled_at_ms = ? WHERE id = ?");
    u.bind(1, static_cast<std::int64_t>(to)).bind(2, by).bind(3, r.handled_at_ms).bind(4, id);
    if (u.run() != SQLITE_DONE) return errc::io_error;
    if (!commit_with_audit(tx, report_settled(*school, r, by))) return errc::io_error;
    return settled_report{std::move(r), true};
}

result<std::vector<report>> sqlite_store::settle_reports_on(room_id room, seq_t seq, user_id by) {
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    static const std::string sql =
        report_where("WHERE room_id = ? AND seq = ? AND state = 1 ORDER BY id");
    auto q = directory_db_.prepare(sql.c_str());
    q.bind(1, room).bind(2, static_cast<std::int64_t>(seq));
    auto open = read_reports(directory_db_, q, keys_);
    if (!open) return open.error();
    if (open->empty()) return open;
    auto school = school_of_room(directory_db_, room);
    if (!school) return school.error();
    const std::int64_t now = now_ms();
    auto u = directory_db_.prepare(
        "UPDATE reports SET state = 3, handled_by = ?, handled_at_ms = ?"
        " WHERE room_id = ? AND seq = ? AND state = 1");
    u.bind(1, by).bind(2, now).bind(3, room).bind(4, static_cast<std::int64_t>(seq));
    if (u.run() != SQLITE_DONE) return errc::io_error;
    std::vector<audit_record> entries;
    for (auto& r : *open) {
        r.state = report_state::actioned;
        r.handled_by = by;
        r.handled_at_ms = now;
        entries.push_back(report_settled(*school, r, by));
    }
    if (!commit_with_audit(tx, entries)) return errc::io_error;
    return open;
}

}  // namespace circles::storage::detail
