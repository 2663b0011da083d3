// pg_store: facilitated sessions, room schedules and the group agreement. Opening and closing
// a session, and accepting the agreement, commit with their audit entry on directory_db_.
// Nodes may race to open a room's session: the partial unique index (one open session per
// room) lets exactly one insert win, and the others return the session that won.
#include "pg_store.hpp"
#include "session_rows.hpp"
#include "store_common.hpp"

namespace circles::storage::detail {

namespace {

constexpr const char* session_sql =
    "SELECT r.id, s.id, s.opened_by, s.opened_at_ms, r.school_id FROM rooms r"
    " LEFT JOIN room_sessions s ON s.room_id = r.id AND s.closed_at_ms IS NULL"
    " WHERE r.id = $1";

struct session_row {
    room_session session;
    school_id school = 0;
};

result<session_row> read_session(pg_connection& db, room_id room, bool idempotent) {
    pg_params p;
    p.add(room);
    auto r = idempotent ? db.query_idempotent(session_sql, p) : db.query(session_sql, p);
    if (!r.ok()) return errc::io_error;
    if (r.rows() == 0) return errc::not_found;
    session_row out;
    if (!r.is_null(0, 1)) out.session = {r.int64(0, 1), r.int64(0, 2), r.int64(0, 3)};
    out.school = r.int64(0, 4);
    return out;
}

}  // namespace

result<room_session> pg_store::session_of(room_id room) {
    auto db = reads_.acquire();
    auto row = read_session(*db, room, true);
    if (!row) return row.error();
    return row->session;
}

result<room_session> pg_store::open_session(room_id room, user_id facilitator) {
    {
        std::lock_guard lock(directory_mutex_);
        pg_transaction tx(directory_db_);
        if (!tx.ok()) return errc::io_error;
        auto current = read_session(directory_db_, room, false);
        if (!current) return current.error();
        if (current->session.open()) return current->session;
        room_session out{0, facilitator, now_ms()};
        pg_params p;
        p.add(room).add(facilitator).add(out.opened_at_ms);
        auto r = directory_db_.query(
            "INSERT INTO room_sessions(room_id, opened_by, opened_at_ms) VALUES ($1, $2, $3)"
            " RETURNING id",
            p);
        if (r.ok() && r.rows() == 1) {
            out.id = r.int64(0, 0);
            if (!commit_with_audit(tx,
                                   session_opened(current->school, room, facilitator, out.id))) {
                return errc::io_error;
            }
            return out;
        }
        if (!r.unique_violation()) return errc::io_error;
    }
    return session_of(room);  // another node opened it first
}

result<room_session> pg_store::close_session(room_id room, user_id facilitator) {
    std::lock_guard lock(directory_mutex_);
    pg_transaction tx(directory_db_);
    if (!tx.ok()) return errc::io_error;
    auto current = read_session(directory_db_, room, false);
    if (!current) return current.error();
    if (!current->session.open()) return current->session;
    const auto now = now_ms();
    pg_params p;
    p.add(facilitator).add(now).add(current->session.id);
    auto r = directory_db_.query(
        "UPDATE room_sessions SET closed_by = $1, closed_at_ms = $2"
        " WHERE id = $3 AND closed_at_ms IS NULL",
        p);
    if (!r.ok()) return errc::io_error;
    if (r.affected() == 0) return room_session{};  // another node closed it first
    const auto minutes = (now - current->session.opened_at_ms) / 60'000;
    if (!commit_with_audit(
            tx, session_closed(current->school, room, facilitator, current->session.id, minutes))) {
        return errc::io_error;
    }
    return current->session;
}

result<room_schedule> pg_store::schedule_of(room_id room) {
    pg_params p;
    p.add(room);
    auto db = reads_.acquire();
    auto r = db->query_idempotent(
        "SELECT r.id, s.time_zone, s.slots FROM rooms r"
        " LEFT JOIN room_schedules s ON s.room_id = r.id WHERE r.id = $1",
        p);
    if (!r.ok()) return errc::io_error;
    if (r.rows() == 0) return errc::not_found;
    room_schedule out;
    if (!r.is_null(0, 1)) out.time_zone = r.text(0, 1);
    auto slots = parse_slots(r.is_null(0, 2) ? std::string() : r.text(0, 2));
    if (!slots) return errc::io_error;  // not what set_schedule wrote
    out.slots = std::move(*slots);
    return out;
}

result<void> pg_store::set_schedule(room_id room, const room_schedule& schedule) {
    if (!valid_schedule(schedule)) return errc::invalid_argument;
    std::lock_guard lock(directory_mutex_);
    pg_params p;
    p.add(room).add(schedule.time_zone).add(format_slots(schedule.slots));
    auto r = directory_db_.query(
        "INSERT INTO room_schedules(room_id, time_zone, slots) VALUES ($1, $2, $3)"
        " ON CONFLICT (room_id) DO UPDATE SET time_zone = excluded.time_zone,"
        " slots = excluded.slots",
        p);
    if (r.foreign_key_violation()) return errc::not_found;
    if (!r.ok()) return errc::io_error;
    return {};
}

result<std::string> pg_store::accepted_agreement(room_id room, user_id user) {
    pg_params p;
    p.add(room).add(user);
    auto db = reads_.acquire();
    auto r = db->query_idempotent(
        "SELECT version FROM agreements WHERE room_id = $1 AND user_id = $2", p);
    if (!r.ok()) return errc::io_error;
    if (r.rows() == 0) return std::string();
    return r.text(0, 0);
}

result<void> pg_store::accept_agreement(room_id room, user_id user, std::string_view version) {
    if (!valid_agreement_version(version)) return errc::invalid_argument;
    std::lock_guard lock(directory_mutex_);
    pg_transaction tx(directory_db_);
    if (!tx.ok()) return errc::io_error;
    auto current = read_session(directory_db_, room, false);  // the room's school
    if (!current) return current.error();
    pg_params p;
    p.add(room).add(user).add(version).add(now_ms());
    auto r = directory_db_.query(
        "INSERT INTO agreements(room_id, user_id, version, accepted_at_ms) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (room_id, user_id) DO UPDATE SET version = excluded.version,"
        " accepted_at_ms = excluded.accepted_at_ms WHERE agreements.version <> excluded.version",
        p);
    if (r.foreign_key_violation()) return errc::not_found;  // no such user
    if (!r.ok()) return errc::io_error;
    if (r.affected() == 0) return {};  // accepted already
    if (!commit_with_audit(tx, agreement_accepted(current->school, room, user, version))) {
        return errc::io_error;
    }
    return {};
}

}  // namespace circles::storage::detail
