// pg_store: escalation paging — overdue escalations, claiming a re-page, acknowledging, and
// each school's deadline, webhook and contact list. Each change commits with its audit entry
// on directory_db_. A re-page is claimed with a conditional UPDATE (the deadline it saw), so
// when several nodes find the same escalation overdue exactly one of them pages it.
#include <algorithm>
#include <string>

#include "circles/storage/limits.hpp"
#include "escalation_rows.hpp"
#include "pg_store.hpp"

namespace circles::storage::detail {
result<std::vector<escalation>> pg_store::read_escalations(pg_connection& db, const char* sql,
                                                           const pg_params& p) {
    auto r = db.query_idempotent(sql, p);
    if (!r.ok()) return errc::io_error;
    std::vector<escalation> out;
    for (int i = 0; i < r.rows(); ++i) {
        auto row = escalation_from([&](int c) { return r.int64(i, c); },
                                   [&](int c) { return r.text(i, c); },
                                   [&](int c) { return r.bytes(i, c); });
        auto e = open_escalation(std::move(row), [&](room_id room, std::int64_t key_id) {
            return keys_.get(room, key_id, [&] { return load_room_key(db, room, key_id); });
        });
        if (!e) return e.error();
        out.push_back(std::move(*e));
    }
    return out;
}

result<escalation> pg_store::get_escalation(std::int64_t id) {
    static const std::string sql = std::string(escalation_select) + " WHERE id = $1";
    pg_params p;
    p.add(id);
    auto db = reads_.acquire();
    auto rows = read_escalations(*db, sql.c_str(), p);
    if (!rows) return rows.error();
    if (rows->empty()) return errc::not_found;
    return std::move(rows->front());
}

result<std::vector<escalation>> pg_store::overdue_escalations(std::int64_t now_ms,
                                                              std::size_t limit) {
    limit = std::min(limit, limits::max_page_messages);
    static const std::string sql =
        std::string(escalation_select) +
        " WHERE state = 'open' AND next_page_at_ms <= $1 ORDER BY next_page_at_ms, id LIMIT $2";
    pg_params p;
    p.add(now_ms).add(static_cast<std::int64_t>(limit));
    auto db = reads_.acquire();
    return read_escalations(*db, sql.c_str(), p);
}

bool pg_store::commit_with_audit(pg_transaction& tx, const audit_record& record) {
    return commit_with_audit(tx, std::span<const audit_record>(&record, 1));
}

bool pg_store::commit_with_audit(pg_transaction& tx, std::span<const audit_record> records) {
    const auto head = append_audit_entries(directory_db_, audit_key_, records, now_ms());
    if (!head || !tx.commit()) return false;
    audit_file_.publish(*head);
    return true;
}

result<bool> pg_store::record_page(std::int64_t id, std::int64_t expected_deadline_ms, int level,
                                   std::int64_t next_deadline_ms) {
    if (level < 0) return errc::invalid_argument;
    auto e = get_escalation(id);
    if (!e) return result<bool>(boost::system::in_place_error, e.error());
    std::lock_guard lock(directory_mutex_);
    pg_transaction tx(directory_db_);
    if (!tx.ok()) return errc::io_error;
    pg_params p;
    p.add(static_cast<std::int64_t>(level)).add(next_deadline_ms).add(id).add(expected_deadline_ms);
    auto r = directory_db_.query(
        "UPDATE escalations SET page_level = $1, next_page_at_ms = $2"
        " WHERE id = $3 AND state = 'open' AND next_page_at_ms = $4",
        p);
    if (!r.ok()) return errc::io_error;
    if (r.affected() == 0) return false;  // acknowledged, or paged by another node
    if (!commit_with_audit(tx, escalation_paged(*e, level))) return errc::io_error;
    return true;
}

result<escalation> pg_store::acknowledge_escalation(std::int64_t id, user_id counselor) {
    auto e = acknowledgeable(*this, id, counselor);
    if (!e || e->state != "open") return e;  // acknowledged already: nothing changes
    {
        std::lock_guard lock(directory_mutex_);
        pg_transaction tx(directory_db_);
        if (!tx.ok()) return errc::io_error;
        pg_params p;
        p.add(counselor).add(now_ms()).add(id);
        auto r = directory_db_.query(
            "UPDATE escalations SET state = 'acknowledged', acknowledged_by = $1,"
            " acknowledged_at_ms = $2 WHERE id = $3 AND state = 'open'",
            p);
        if (!r.ok()) return errc::io_error;
        if (r.affected() == 1 && !commit_with_audit(tx, escalation_acknowledged(*e, counselor))) {
            return errc::io_error;
        }
    }
    // Read back rather than patched: a re-page may have moved its level since `e` was read.
    return get_escalation(id);
}

result<escalation_settings> pg_store::escalation_settings_of(school_id school) {
    escalation_settings s;
    s.school = school;
    pg_params p;
    p.add(school);
    auto db = reads_.acquire();
    auto r =
        db->query_idempotent("SELECT ack_deadline_ms, webhook_url FROM schools WHERE id = $1", p);
    if (!r.ok()) return errc::io_error;
    if (r.rows() == 0) return errc::not_found;
    s.ack_deadline_ms = r.int64(0, 0);
    s.webhook_url = r.text(0, 1);
    auto c = db->query_idempotent(
        "SELECT level, user_id FROM escalation_contacts WHERE school_id = $1"
        " ORDER BY level, user_id",
        p);
    if (!c.ok()) return errc::io_error;
    contact_rows contacts;
    for (int i = 0; i < c.rows(); ++i) contacts.add(s, c.int64(i, 0), c.int64(i, 1));
    return s;
}

result<void> pg_store::set_escalation_settings(const escalation_settings& s) {
    if (!valid_escalation_settings(s)) return errc::invalid_argument;
    std::lock_guard lock(directory_mutex_);
    pg_transaction tx(directory_db_);
    if (!tx.ok()) return errc::io_error;
    {
        pg_params p;
        p.add(s.ack_deadline_ms).add(s.webhook_url).add(s.school);
        auto r = directory_db_.query(
            "UPDATE schools SET ack_deadline_ms = $1, webhook_url = $2 WHERE id = $3", p);
        if (!r.ok()) return errc::io_error;
        if (r.affected() == 0) return errc::not_found;
    }
    {
        pg_params p;
        p.add(s.school);
        if (!directory_db_.query("DELETE FROM escalation_contacts WHERE school_id = $1", p).ok()) {
            return errc::io_error;
        }
    }
    for (std::size_t level = 0; level < s.contacts.size(); ++level) {
        for (const auto user : distinct_users(s.contacts[level])) {
            // Only the school's own users: INSERT ... SELECT finds none for another school.
            pg_params p;
            p.add(static_cast<std::int64_t>(level)).add(user).add(s.school);
            auto r = directory_db_.query(
                "INSERT INTO escalation_contacts(school_id, level, user_id)"
                " SELECT school_id, $1, id FROM users WHERE id = $2 AND school_id = $3",
                p);
            if (!r.ok()) return errc::io_error;
            if (r.affected() == 0) return errc::not_found;  // no such user in this school
        }
    }
    return tx.commit() ? result<void>{} : result<void>(errc::io_error);
}

}  // namespace circles::storage::detail
