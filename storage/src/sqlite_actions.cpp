// sqlite_store: facilitator actions. Each change commits with its audit entry on
// directory_db_ (BEGIN IMMEDIATE, so it takes turns with the writer's batches); the reads a
// student's send makes run on the read pool.
#include "action_rows.hpp"
#include "circles/storage/limits.hpp"
#include "sqlite_store.hpp"
#include "store_common.hpp"

namespace circles::storage::detail {

namespace {

// The school of a room `member` belongs to; errc::not_found when the room is unknown or they
// are not a member.
result<school_id> member_school(database& db, room_id room, user_id member) {
    auto q = db.prepare(
        "SELECT r.school_id FROM rooms r JOIN room_members m ON m.room_id = r.id"
        " WHERE r.id = ? AND m.user_id = ?");
    q.bind(1, room).bind(2, member);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return errc::not_found;
    if (rc != SQLITE_ROW) return errc::io_error;
    return q.int64(0);
}

}  // namespace

result<send_check> sqlite_store::check_send(room_id room, user_id user, std::int64_t now) {
    // A member's mute is kept with its end, whether or not it has ended, so that what was read
    // is right at any later `now`; here it counts only until then.
    const auto at_now = [now](send_check c) {
        if (c.posting.muted_until_ms <= now) c.posting.muted_until_ms = 0;
        return c;
    };
    if (auto kept = send_checks_.find(room, user)) return at_now(std::move(*kept));
    const auto read_at = send_checks_.generation();  // before the read: send_check_cache.hpp

    // The room without its last seq, as membership(last_seq_read::skip) reads it.
    auto db = reads_.acquire();
    auto q = db->prepare(
        "SELECT r.id, r.school_id, r.name, r.kind, r.epoch, 0,"
        " EXISTS (SELECT 1 FROM room_members WHERE room_id = r.id AND user_id = ?2),"
        " s.id, s.opened_by, s.opened_at_ms, coalesce(c.locked, 0),"
        " coalesce(c.slow_mode_seconds, 0), coalesce(mu.until_ms, 0) FROM rooms r"
        " LEFT JOIN room_sessions s ON s.room_id = r.id AND s.closed_at_ms IS NULL"
        " LEFT JOIN room_controls c ON c.room_id = r.id"
        " LEFT JOIN room_mutes mu ON mu.room_id = r.id AND mu.user_id = ?2"
        " WHERE r.id = ?1");
    q.bind(1, room).bind(2, user);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return errc::not_found;
    if (rc != SQLITE_ROW) return errc::io_error;
    send_check out{read_room(q), q.int64(6) != 0, {}};
    out.posting.session = {q.int64(7), q.int64(8), q.int64(9)};
    out.posting.controls = {q.int64(10) != 0, static_cast<int>(q.int64(11))};
    out.posting.muted_until_ms = q.int64(12);
    // Members' checks only: a refusal is rare, and a membership added by another process (a
    // fixture run while the server is up) is then seen at once.
    if (out.member) send_checks_.put(room, user, read_at, out);
    return at_now(std::move(out));
}

result<std::vector<member_mute>> sqlite_store::mutes_of(room_id room, std::int64_t now) {
    auto db = reads_.acquire();
    auto q = db->prepare(
        "SELECT user_id, until_ms FROM room_mutes WHERE room_id = ? AND until_ms > ?"
        " ORDER BY user_id");
    q.bind(1, room).bind(2, now);
    std::vector<member_mute> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) out.push_back({q.int64(0), q.int64(1)});
    if (rc != SQLITE_DONE) return errc::io_error;
    return out;
}

result<std::vector<stored_message>> sqlite_store::held_messages(room_id room, std::size_t limit) {
    limit = std::min(limit, limits::max_held_listed);
    auto db = reads_.acquire();
    // The bound is the held status: read_messages binds (room, bound, limit).
    static const std::string sql = std::string(message_select) +
                                   " WHERE m.room_id = ? AND m.status = ? ORDER BY m.seq LIMIT ?";
    return read_messages(*db, sql.c_str(), room, static_cast<std::int64_t>(message_status::held),
                         limit);
}

result<stored_message> sqlite_store::moderate_message(room_id room, seq_t seq, message_status to,
                                                      user_id by, const citation& why) {
    if (!valid_citation(why)) return errc::invalid_argument;
    {
        std::lock_guard lock(directory_mutex_);
        transaction tx(directory_db_, transaction::kind::immediate);
        if (!tx.ok()) return errc::io_error;
        message_status from{};
        school_id school = 0;
        {
            auto q = directory_db_.prepare(
                "SELECT m.status, r.school_id FROM messages m JOIN rooms r ON r.id = m.room_id"
                " WHERE m.room_id = ? AND m.seq = ?");
            q.bind(1, room).bind(2, static_cast<std::int64_t>(seq));
            const int rc = q.step();
            if (rc == SQLITE_DONE) return errc::not_found;
            if (rc != SQLITE_ROW) return errc::io_error;
            from = static_cast<message_status>(q.int64(0));
            school = q.int64(1);
        }
        if (from != to) {
            if (!moderation_move_allowed(from, to)) return errc::invalid_argument;
            auto u = directory_db_.prepare(
                "UPDATE messages SET status = ? WHERE room_id = ? AND seq = ?");
            u.bind(1, static_cast<std::int64_t>(to))
                .bind(2, room)
                .bind(3, static_cast<std::int64_t>(seq));
            if (u.run() != SQLITE_DONE) return errc::io_error;
            if (!commit_with_audit(tx, message_moderated(school, room, by, seq, to, why))) {
                return errc::io_error;
            }
        }
    }
    auto db = reads_.acquire();
    static const std::string sql =
        std::string(message_select) + " WHERE m.room_id = ? AND m.seq = ? LIMIT ?";
    auto rows = read_messages(*db, sql.c_str(), room, static_cast<std::int64_t>(seq), 1);
    if (!rows) return rows.error();
    if (rows->empty()) return errc::not_found;
    return std::move(rows->front());
}

result<room_controls> sqlite_store::set_room_controls(room_id room, const room_controls& controls,
                                                      user_id by, const citation& why) {
    if (!valid_citation(why) || controls.slow_mode_seconds < 0 ||
        controls.slow_mode_seconds > limits::max_slow_mode.count()) {
        return errc::invalid_argument;
    }
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    auto school = school_of_room(directory_db_, room);
    if (!school) return school.error();
    auto q = directory_db_.prepare(
        "INSERT INTO room_controls(room_id, locked, slow_mode_seconds) VALUES (?, ?, ?)"
        " ON CONFLICT(room_id) DO UPDATE SET locked = excluded.locked,"
        " slow_mode_seconds = excluded.slow_mode_seconds");
    q.bind(1, room).bind(2, controls.locked ? 1 : 0).bind(3, controls.slow_mode_seconds);
    if (q.run() != SQLITE_DONE) return errc::io_error;
    if (!commit_with_audit(tx, controls_set(*school, room, by, controls, why))) {
        return errc::io_error;
    }
    return controls;
}

result<void> sqlite_store::mute_member(room_id room, user_id member, std::int64_t until_ms,
                                       user_id by, const citation& why) {
    if (!valid_citation(why) || until_ms < 0) return errc::invalid_argument;
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    auto school = member_school(directory_db_, room, member);
    if (!school) return school.error();
    std::int64_t seconds = 0;
    if (until_ms > 0) {
        seconds = std::max<std::int64_t>(1, (until_ms - now_ms() + 999) / 1000);
        auto q = directory_db_.prepare(
            "INSERT INTO room_mutes(room_id, user_id, until_ms) VALUES (?, ?, ?)"
            " ON CONFLICT(room_id, user_id) DO UPDATE SET until_ms = excluded.until_ms");
        q.bind(1, room).bind(2, member).bind(3, until_ms);
        if (q.run() != SQLITE_DONE) return errc::io_error;
    } else {
        auto q = directory_db_.prepare("DELETE FROM room_mutes WHERE room_id = ? AND user_id = ?");
        q.bind(1, room).bind(2, member);
        if (q.run() != SQLITE_DONE) return errc::io_error;
    }
    if (!commit_with_audit(tx, member_muted(*school, room, by, member, seconds, why))) {
        return errc::io_error;
    }
    return {};
}

result<void> sqlite_store::expel_member(room_id room, user_id member, user_id by,
                                        const citation& why) {
    if (!valid_citation(why)) return errc::invalid_argument;
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    auto school = member_school(directory_db_, room, member);
    if (!school) return school.error();
    for (const char* sql : {"DELETE FROM room_members WHERE room_id = ? AND user_id = ?",
                            "DELETE FROM room_mutes WHERE room_id = ? AND user_id = ?"}) {
        auto q = directory_db_.prepare(sql);
        q.bind(1, room).bind(2, member);
        if (q.run() != SQLITE_DONE) return errc::io_error;
    }
    if (!commit_with_audit(tx, member_expelled(*school, room, by, member, why))) {
        return errc::io_error;
    }
    return {};
}

}  // namespace circles::storage::detail
