// sqlite_store: escalation paging — overdue escalations, claiming a re-page, acknowledging,
// and each school's deadline, webhook and contact list. Each change commits with its audit
// entry on directory_db_ (BEGIN IMMEDIATE, so it takes turns with the writer's batches).
#include <algorithm>
#include <string>

#include "circles/storage/limits.hpp"
#include "escalation_rows.hpp"
#include "sqlite_store.hpp"

namespace circles::storage::detail {
result<std::vector<escalation>> sqlite_store::read_escalations(database& db, query& q) {
    std::vector<escalation> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        auto row =
            escalation_from([&](int c) { return q.int64(c); }, [&](int c) { return q.text(c); },
                            [&](int c) { return q.blob(c); });
        auto e = open_escalation(std::move(row), [&](room_id room, std::int64_t key_id) {
            return keys_.get(room, key_id, [&] { return load_room_key(db, room, key_id); });
        });
        if (!e) return e.error();
        out.push_back(std::move(*e));
    }
    if (rc != SQLITE_DONE) return errc::io_error;
    return out;
}

result<escalation> sqlite_store::get_escalation(std::int64_t id) {
    auto db = reads_.acquire();
    static const std::string sql = std::string(escalation_select) + " WHERE id = ?";
    auto q = db->prepare(sql.c_str());
    q.bind(1, id);
    auto rows = read_escalations(*db, q);
    if (!rows) return rows.error();
    if (rows->empty()) return errc::not_found;
    return std::move(rows->front());
}

result<std::vector<escalation>> sqlite_store::overdue_escalations(std::int64_t now_ms,
                                                                  std::size_t limit) {
    limit = std::min(limit, limits::max_page_messages);
    auto db = reads_.acquire();
    static const std::string sql =
        std::string(escalation_select) +
        " WHERE state = 'open' AND next_page_at_ms <= ? ORDER BY next_page_at_ms, id LIMIT ?";
    auto q = db->prepare(sql.c_str());
    q.bind(1, now_ms).bind(2, static_cast<std::int64_t>(limit));
    return read_escalations(*db, q);
}

bool sqlite_store::commit_with_audit(transaction& tx, const audit_record& record) {
    return commit_with_audit(tx, std::span<const audit_record>(&record, 1));
}

bool sqlite_store::commit_with_audit(transaction& tx, std::span<const audit_record> records) {
    const auto head = append_audit_entries(directory_db_, audit_key_, records, now_ms());
    if (!head || tx.commit() != SQLITE_OK) return false;
    audit_file_.publish(*head);
    return true;
}

result<bool> sqlite_store::record_page(std::int64_t id, std::int64_t expected_deadline_ms,
                                       int level, std::int64_t next_deadline_ms) {
    if (level < 0) return errc::invalid_argument;
    auto e = get_escalation(id);
    if (!e) return result<bool>(boost::system::in_place_error, e.error());
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    auto q = directory_db_.prepare(
        "UPDATE escalations SET page_level = ?, next_page_at_ms = ?"
        " WHERE id = ? AND state = 'open' AND next_page_at_ms = ?");
    q.bind(1, level).bind(2, next_deadline_ms).bind(3, id).bind(4, expected_deadline_ms);
    if (q.run() != SQLITE_DONE) return errc::io_error;
    if (directory_db_.changes() == 0) return false;  // acknowledged, or paged by another node
    if (!commit_with_audit(tx, escalation_paged(*e, level))) return errc::io_error;
    return true;
}

result<escalation> sqlite_store::acknowledge_escalation(std::int64_t id, user_id counselor) {
    auto e = acknowledgeable(*this, id, counselor);
    if (!e || e->state != "open") return e;  // acknowledged already: nothing changes
    {
        std::lock_guard lock(directory_mutex_);
        transaction tx(directory_db_, transaction::kind::immediate);
        if (!tx.ok()) return errc::io_error;
        const std::int64_t now = now_ms();
        auto q = directory_db_.prepare(
            "UPDATE escalations SET state = 'acknowledged', acknowledged_by = ?,"
            " acknowledged_at_ms = ? WHERE id = ? AND state = 'open'");
        q.bind(1, counselor).bind(2, now).bind(3, id);
        if (q.run() != SQLITE_DONE) return errc::io_error;
        if (directory_db_.changes() == 1 &&
            !commit_with_audit(tx, escalation_acknowledged(*e, counselor))) {
            return errc::io_error;
        }
    }
    // Read back rather than patched: a re-page may have moved its level since `e` was read.
    return get_escalation(id);
}

result<escalation_settings> sqlite_store::read_settings(database& db, school_id school) {
    escalation_settings s;
    s.school = school;
    {
        auto q = db.prepare("SELECT ack_deadline_ms, webhook_url FROM schools WHERE id = ?");
        q.bind(1, school);
        const int rc = q.step();
        if (rc == SQLITE_DONE) return errc::not_found;
        if (rc != SQLITE_ROW) return errc::io_error;
        s.ack_deadline_ms = q.int64(0);
        s.webhook_url = q.text(1);
    }
    auto q = db.prepare(
        "SELECT level, user_id FROM escalation_contacts WHERE school_id = ? ORDER BY level, "
        "user_id");
    q.bind(1, school);
    int rc;
    contact_rows contacts;
    while ((rc = q.step()) == SQLITE_ROW) contacts.add(s, q.int64(0), q.int64(1));
    if (rc != SQLITE_DONE) return errc::io_error;
    return s;
}

result<escalation_settings> sqlite_store::escalation_settings_of(school_id school) {
    auto db = reads_.acquire();
    return read_settings(*db, school);
}

result<void> sqlite_store::set_escalation_settings(const escalation_settings& s) {
    if (!valid_escalation_settings(s)) return errc::invalid_argument;
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    {
        auto q = directory_db_.prepare(
            "UPDATE schools SET ack_deadline_ms = ?, webhook_url = ? WHERE id = ?");
        q.bind(1, s.ack_deadline_ms).bind(2, s.webhook_url).bind(3, s.school);
        if (q.run() != SQLITE_DONE) return errc::io_error;
        if (directory_db_.changes() == 0) return errc::not_found;
    }
    {
        auto q = directory_db_.prepare("DELETE FROM escalation_contacts WHERE school_id = ?");
        q.bind(1, s.school);
        if (q.run() != SQLITE_DONE) return errc::io_error;
    }
    for (std::size_t level = 0; level < s.contacts.size(); ++level) {
        for (const auto user : distinct_users(s.contacts[level])) {
            // Only the school's own users: INSERT ... SELECT finds none for another school.
            auto q = directory_db_.prepare(
                "INSERT INTO escalation_contacts(school_id, level, user_id)"
                " SELECT school_id, ?, id FROM users WHERE id = ? AND school_id = ?");
            q.bind(1, static_cast<std::int64_t>(level)).bind(2, user).bind(3, s.school);
            if (q.run() != SQLITE_DONE) return errc::io_error;
            if (directory_db_.changes() == 0) return errc::not_found;  // no such user here
        }
    }
    return tx.commit() == SQLITE_OK ? result<void>{} : result<void>(errc::io_error);
}

}  // namespace circles::storage::detail
