// pg_store: facilitator actions. Each change commits with its audit entry on directory_db_.
// Nodes may act on one message at once: its row is locked (FOR UPDATE) while the move is
// checked and made, so two approvals audit once and a removal never turns back into a
// visible message.
#include <algorithm>

#include "action_rows.hpp"
#include "circles/storage/limits.hpp"
#include "pg_store.hpp"
#include "store_common.hpp"

namespace circles::storage::detail {

namespace {

// The school of `room` and, when `member` is not 0, whether they belong to it.
struct room_row {
    school_id school = 0;
    bool member = false;
};

result<room_row> read_room(pg_connection& db, room_id room, user_id member) {
    pg_params p;
    p.add(room).add(member);
    auto r = db.query(
        "SELECT r.school_id, EXISTS (SELECT 1 FROM room_members m"
        " WHERE m.room_id = r.id AND m.user_id = $2)::int FROM rooms r WHERE r.id = $1",
        p);
    if (!r.ok()) return errc::io_error;
    if (r.rows() == 0) return errc::not_found;
    return room_row{r.int64(0, 0), r.int64(0, 1) != 0};
}

}  // namespace

result<send_check> pg_store::check_send(room_id room, user_id user, std::int64_t now) {
    pg_params p;
    p.add(room).add(user).add(now);
    auto db = reads_.acquire();
    auto r = db->query_idempotent(
        "SELECT r.id, r.school_id, r.name, r.kind, r.epoch, 0,"
        " EXISTS (SELECT 1 FROM room_members WHERE room_id = r.id AND user_id = $2)::int,"
        " s.id, s.opened_by, s.opened_at_ms, coalesce(c.locked, 0),"
        " coalesce(c.slow_mode_seconds, 0), coalesce(mu.until_ms, 0) FROM rooms r"
        " LEFT JOIN room_sessions s ON s.room_id = r.id AND s.closed_at_ms IS NULL"
        " LEFT JOIN room_controls c ON c.room_id = r.id"
        " LEFT JOIN room_mutes mu ON mu.room_id = r.id AND mu.user_id = $2 AND mu.until_ms > $3"
        " WHERE r.id = $1",
        p);
    if (!r.ok()) return errc::io_error;
    if (r.rows() == 0) return errc::not_found;
    send_check out{read_room(r, 0), r.int64(0, 6) != 0, {}};
    if (!r.is_null(0, 7)) out.posting.session = {r.int64(0, 7), r.int64(0, 8), r.int64(0, 9)};
    out.posting.controls = {r.int64(0, 10) != 0, static_cast<int>(r.int64(0, 11))};
    out.posting.muted_until_ms = r.int64(0, 12);
    return out;
}

result<std::vector<member_mute>> pg_store::mutes_of(room_id room, std::int64_t now) {
    pg_params p;
    p.add(room).add(now);
    auto db = reads_.acquire();
    auto r = db->query_idempotent(
        "SELECT user_id, until_ms FROM room_mutes WHERE room_id = $1 AND until_ms > $2"
        " ORDER BY user_id",
        p);
    if (!r.ok()) return errc::io_error;
    std::vector<member_mute> out;
    for (int row = 0; row < r.rows(); ++row) out.push_back({r.int64(row, 0), r.int64(row, 1)});
    return out;
}

result<std::vector<stored_message>> pg_store::held_messages(room_id room, std::size_t limit) {
    limit = std::min(limit, limits::max_held_listed);
    auto db = reads_.acquire();
    // The bound is the held status: read_messages binds (room, bound, limit).
    static const std::string sql =
        std::string(message_select) +
        " WHERE m.room_id = $1 AND m.status = $2 ORDER BY m.seq LIMIT $3";
    return read_messages(*db, sql.c_str(), room, static_cast<std::int64_t>(message_status::held),
                         limit);
}

result<stored_message> pg_store::moderate_message(room_id room, seq_t seq, message_status to,
                                                  user_id by, const citation& why) {
    if (!valid_citation(why)) return errc::invalid_argument;
    {
        std::lock_guard lock(directory_mutex_);
        pg_transaction tx(directory_db_);
        if (!tx.ok()) return errc::io_error;
        pg_params p;
        p.add(room).add(static_cast<std::int64_t>(seq));
        auto r = directory_db_.query(
            "SELECT m.status, r.school_id FROM messages m JOIN rooms r ON r.id = m.room_id"
            " WHERE m.room_id = $1 AND m.seq = $2 FOR UPDATE OF m",
            p);
        if (!r.ok()) return errc::io_error;
        if (r.rows() == 0) return errc::not_found;
        const auto from = static_cast<message_status>(r.int64(0, 0));
        const school_id school = r.int64(0, 1);
        if (from != to) {
            if (!moderation_move_allowed(from, to)) return errc::invalid_argument;
            pg_params u;
            u.add(static_cast<std::int64_t>(to)).add(room).add(static_cast<std::int64_t>(seq));
            if (!directory_db_
                     .query("UPDATE messages SET status = $1 WHERE room_id = $2 AND seq = $3", u)
                     .ok()) {
                return errc::io_error;
            }
            if (!commit_with_audit(tx, message_moderated(school, room, by, seq, to, why))) {
                return errc::io_error;
            }
        }
    }
    auto db = reads_.acquire();
    static const std::string sql =
        std::string(message_select) + " WHERE m.room_id = $1 AND m.seq = $2 LIMIT $3";
    auto rows = read_messages(*db, sql.c_str(), room, static_cast<std::int64_t>(seq), 1);
    if (!rows) return rows.error();
    if (rows->empty()) return errc::not_found;
    return std::move(rows->front());
}

result<room_controls> pg_store::set_room_controls(room_id room, const room_controls& controls,
                                                  user_id by, const citation& why) {
    if (!valid_citation(why) || controls.slow_mode_seconds < 0 ||
        controls.slow_mode_seconds > limits::max_slow_mode.count()) {
        return errc::invalid_argument;
    }
    std::lock_guard lock(directory_mutex_);
    pg_transaction tx(directory_db_);
    if (!tx.ok()) return errc::io_error;
    auto row = read_room(directory_db_, room, 0);
    if (!row) return row.error();
    pg_params p;
    p.add(room)
        .add(std::int64_t{controls.locked ? 1 : 0})
        .add(std::int64_t{controls.slow_mode_seconds});
    auto r = directory_db_.query(
        "INSERT INTO room_controls(room_id, locked, slow_mode_seconds) VALUES ($1, $2, $3)"
        " ON CONFLICT (room_id) DO UPDATE SET locked = excluded.locked,"
        " slow_mode_seconds = excluded.slow_mode_seconds",
        p);
    if (!r.ok()) return errc::io_error;
    if (!commit_with_audit(tx, controls_set(row->school, room, by, controls, why))) {
        return errc::io_error;
    }
    return controls;
}

result<void> pg_store::mute_member(room_id room, user_id member, std::int64_t until_ms, user_id by,
                                   const citation& why) {
    if (!valid_citation(why) || until_ms < 0) return errc::invalid_argument;
    std::lock_guard lock(directory_mutex_);
    pg_transaction tx(directory_db_);
    if (!tx.ok()) return errc::io_error;
    auto row = read_room(directory_db_, room, member);
    if (!row) return row.error();
    if (!row->member) return errc::not_found;
    std::int64_t seconds = 0;
    pg_params p;
    p.add(room).add(member);
    if (until_ms > 0) {
        seconds = std::max<std::int64_t>(1, (until_ms - now_ms() + 999) / 1000);
        p.add(until_ms);
        auto r = directory_db_.query(
            "INSERT INTO room_mutes(room_id, user_id, until_ms) VALUES ($1, $2, $3)"
            " ON CONFLICT (room_id, user_id) DO UPDATE SET until_ms = excluded.until_ms",
            p);
        if (!r.ok()) return errc::io_error;
    } else if (!directory_db_.query("DELETE FROM room_mutes WHERE room_id = $1 AND user_id = $2", p)
                    .ok()) {
        return errc::io_error;
    }
    if (!commit_with_audit(tx, member_muted(row->school, room, by, member, seconds, why))) {
        return errc::io_error;
    }
    return {};
}

result<void> pg_store::expel_member(room_id room, user_id member, user_id by, const citation& why) {
    if (!valid_citation(why)) return errc::invalid_argument;
    std::lock_guard lock(directory_mutex_);
    pg_transaction tx(directory_db_);
    if (!tx.ok()) return errc::io_error;
    auto row = read_room(directory_db_, room, member);
    if (!row) return row.error();
    if (!row->member) return errc::not_found;
    for (const char* sql : {"DELETE FROM room_members WHERE room_id = $1 AND user_id = $2",
                            "DELETE FROM room_mutes WHERE room_id = $1 AND user_id = $2"}) {
        pg_params p;
        p.add(room).add(member);
        if (!directory_db_.query(sql, p).ok()) return errc::io_error;
    }
    if (!commit_with_audit(tx, member_expelled(row->school, room, by, member, why))) {
        return errc::io_error;
    }
    return {};
}

}  // namespace circles::storage::detail
