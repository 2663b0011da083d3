// sqlite_store: facilitated sessions, room schedules and the group agreement. Opening and
// closing a session, and accepting the agreement, commit with their audit entry on
// directory_db_ (BEGIN IMMEDIATE, so they take turns with the writer's batches).
#include "session_rows.hpp"
#include "sqlite_store.hpp"
#include "store_common.hpp"

namespace circles::storage::detail {

namespace {

// The open session of `room` as `db` sees it; errc::not_found for an unknown room.
result<room_session> read_session(database& db, room_id room) {
    auto q = db.prepare(
        "SELECT r.id, s.id, s.opened_by, s.opened_at_ms FROM rooms r"
        " LEFT JOIN room_sessions s ON s.room_id = r.id AND s.closed_at_ms IS NULL"
        " WHERE r.id = ?");
    q.bind(1, room);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return errc::not_found;
    if (rc != SQLITE_ROW) return errc::io_error;
    return room_session{q.int64(1), q.int64(2), q.int64(3)};
}

}  // namespace

result<school_id> school_of_room(database& db, room_id room) {
    auto q = db.prepare("SELECT school_id FROM rooms WHERE id = ?");
    q.bind(1, room);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return errc::not_found;
    if (rc != SQLITE_ROW) return errc::io_error;
    return q.int64(0);
}

result<room_session> sqlite_store::session_of(room_id room) {
    auto db = reads_.acquire();
    return read_session(*db, room);
}

result<room_session> sqlite_store::open_session(room_id room, user_id facilitator) {
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    auto current = read_session(directory_db_, room);
    if (!current || current->open()) return current;
    auto school = school_of_room(directory_db_, room);
    if (!school) return school.error();
    const room_session opened{0, facilitator, now_ms()};
    auto q = directory_db_.prepare(
        "INSERT INTO room_sessions(room_id, opened_by, opened_at_ms) VALUES (?, ?, ?)");
    q.bind(1, room).bind(2, facilitator).bind(3, opened.opened_at_ms);
    if (q.run() != SQLITE_DONE) return errc::io_error;
    room_session out = opened;
    out.id = directory_db_.last_insert_rowid();
    if (!commit_with_audit(tx, session_opened(*school, room, facilitator, out.id))) {
        return errc::io_error;
    }
    return out;
}

result<room_session> sqlite_store::close_session(room_id room, user_id facilitator) {
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    auto current = read_session(directory_db_, room);
    if (!current || !current->open()) return current;
    auto school = school_of_room(directory_db_, room);
    if (!school) return school.error();
    const auto now = now_ms();
    auto q = directory_db_.prepare(
        "UPDATE room_sessions SET closed_by = ?, closed_at_ms = ? WHERE id = ?");
    q.bind(1, facilitator).bind(2, now).bind(3, current->id);
    if (q.run() != SQLITE_DONE) return errc::io_error;
    const auto minutes = (now - current->opened_at_ms) / 60'000;
    if (!commit_with_audit(tx, session_closed(*school, room, facilitator, current->id, minutes))) {
        return errc::io_error;
    }
    return current;
}

result<room_schedule> sqlite_store::schedule_of(room_id room) {
    auto db = reads_.acquire();
    auto q = db->prepare(
        "SELECT r.id, s.time_zone, s.slots FROM rooms r"
        " LEFT JOIN room_schedules s ON s.room_id = r.id WHERE r.id = ?");
    q.bind(1, room);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return errc::not_found;
    if (rc != SQLITE_ROW) return errc::io_error;
    room_schedule out;
    if (auto tz = q.text(1); !tz.empty()) out.time_zone = std::move(tz);
    auto slots = parse_slots(q.text(2));
    if (!slots) return errc::io_error;  // not what set_schedule wrote
    out.slots = std::move(*slots);
    return out;
}

result<void> sqlite_store::set_schedule(room_id room, const room_schedule& schedule) {
    if (!valid_schedule(schedule)) return errc::invalid_argument;
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    if (auto school = school_of_room(directory_db_, room); !school) return school.error();
    auto q = directory_db_.prepare(
        "INSERT INTO room_schedules(room_id, time_zone, slots) VALUES (?, ?, ?)"
        " ON CONFLICT(room_id) DO UPDATE SET time_zone = excluded.time_zone,"
        " slots = excluded.slots");
    q.bind(1, room).bind(2, schedule.time_zone).bind(3, format_slots(schedule.slots));
    if (q.run() != SQLITE_DONE || tx.commit() != SQLITE_OK) return errc::io_error;
    return {};
}

result<std::string> sqlite_store::accepted_agreement(room_id room, user_id user) {
    auto db = reads_.acquire();
    auto q = db->prepare("SELECT version FROM agreements WHERE room_id = ? AND user_id = ?");
    q.bind(1, room).bind(2, user);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return std::string();
    if (rc != SQLITE_ROW) return errc::io_error;
    return q.text(0);
}

result<void> sqlite_store::accept_agreement(room_id room, user_id user, std::string_view version) {
    if (!valid_agreement_version(version)) return errc::invalid_argument;
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    auto school = school_of_room(directory_db_, room);
    if (!school) return school.error();
    {
        auto q = directory_db_.prepare(
            "SELECT version FROM agreements WHERE room_id = ? AND user_id = ?");
        q.bind(1, room).bind(2, user);
        const int rc = q.step();
        if (rc == SQLITE_ROW && q.text(0) == version) return {};  // accepted already
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return errc::io_error;
    }
    auto q = directory_db_.prepare(
        "INSERT INTO agreements(room_id, user_id, version, accepted_at_ms) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(room_id, user_id) DO UPDATE SET version = excluded.version,"
        " accepted_at_ms = excluded.accepted_at_ms");
    q.bind(1, room).bind(2, user).bind(3, version).bind(4, now_ms());
    const int rc = q.run();
    if (is_foreign_key_violation(rc)) return errc::not_found;  // no such user
    if (rc != SQLITE_DONE) return errc::io_error;
    if (!commit_with_audit(tx, agreement_accepted(*school, room, user, version))) {
        return errc::io_error;
    }
    return {};
}

}  // namespace circles::storage::detail
