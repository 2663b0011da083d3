// pg_store: check-in rounds and participation. Starting a round locks the room's row, so two
// facilitators on two nodes starting rounds at once leave exactly one open; an answer locks its
// round, so it never lands in a round that has just ended.
#include "checkin_rows.hpp"
#include "pg_store.hpp"
#include "store_common.hpp"

namespace circles::storage::detail {

namespace {

result<void> count_answers(pg_connection& db, checkin_round& r) {
    static const std::string sql = std::string(checkin_count_select) + " WHERE round_id = $1";
    pg_params p;
    p.add(r.id);
    auto q = db.query(sql.c_str(), p);
    if (!q.ok() || q.rows() != 1) return errc::io_error;
    r.answered = static_cast<int>(q.int64(0, 0));
    r.passed = static_cast<int>(q.int64(0, 1));
    return {};
}

// The room's open round (id 0 for none), without counts; `lock` holds it until commit.
result<checkin_round> open_round(pg_connection& db, room_id room, bool lock) {
    pg_params p;
    p.add(room);
    auto q = db.query(lock ? "SELECT id, started_by, started_at_ms FROM checkin_rounds"
                             " WHERE room_id = $1 AND ended_at_ms IS NULL ORDER BY id DESC"
                             " LIMIT 1 FOR UPDATE"
                           : "SELECT id, started_by, started_at_ms FROM checkin_rounds"
                             " WHERE room_id = $1 AND ended_at_ms IS NULL ORDER BY id DESC"
                             " LIMIT 1",
                      p);
    if (!q.ok()) return errc::io_error;
    checkin_round r;
    r.room = room;
    if (q.rows() == 0) return r;
    r.id = q.int64(0, 0);
    r.started_by = q.int64(0, 1);
    r.started_at_ms = q.int64(0, 2);
    return r;
}

}  // namespace

result<checkin_round> pg_store::start_checkin(room_id room, user_id by) {
    std::lock_guard lock(directory_mutex_);
    pg_transaction tx(directory_db_);
    if (!tx.ok()) return errc::io_error;
    pg_params p;
    p.add(room);
    auto locked = directory_db_.query("SELECT id FROM rooms WHERE id = $1 FOR UPDATE", p);
    if (!locked.ok()) return errc::io_error;
    if (locked.rows() == 0) return errc::not_found;
    const std::int64_t now = now_ms();
    pg_params end;
    end.add(now).add(room);
    if (!directory_db_
             .query("UPDATE checkin_rounds SET ended_at_ms = $1"
                    " WHERE room_id = $2 AND ended_at_ms IS NULL",
                    end)
             .ok()) {
        return errc::io_error;
    }
    pg_params ins;
    ins.add(room).add(by).add(now);
    auto r = directory_db_.query(
        "INSERT INTO checkin_rounds(room_id, started_by, started_at_ms) VALUES ($1, $2, $3)"
        " RETURNING id",
        ins);
    if (!r.ok() || r.rows() != 1)
        return r.foreign_key_violation() ? errc::not_found : errc::io_error;
    checkin_round out;
    out.id = r.int64(0, 0);
    out.room = room;
    out.started_by = by;
    out.started_at_ms = now;
    if (!tx.commit()) return errc::io_error;
    return out;
}

result<checkin_round> pg_store::answer_checkin(room_id room, std::int64_t round,
                                               const checkin_answer& a) {
    if (!valid_checkin_answer(a)) return errc::invalid_argument;
    std::lock_guard lock(directory_mutex_);
    pg_transaction tx(directory_db_);
    if (!tx.ok()) return errc::io_error;
    auto r = open_round(directory_db_, room, true);
    if (!r) return r.error();
    if (r->id == 0 || r->id != round) return errc::not_found;
    std::int64_t key_id = 0;
    {
        pg_params p;
        p.add(room);
        auto q = directory_db_.query("SELECT key_id FROM rooms WHERE id = $1", p);
        if (!q.ok() || q.rows() != 1) return errc::io_error;
        key_id = q.int64(0, 0);
    }
    auto key = keys_.get(room, key_id, [&] { return load_room_key(directory_db_, room, key_id); });
    if (!key) return key_error(key.error());
    const sealed box = seal(**key, a.word, checkin_ad(round, a.user, key_id));
    pg_params p;
    p.add(round).add(a.user).add(std::int64_t{a.mood}).add(std::int64_t{a.passed ? 1 : 0});
    p.add(key_id).add_bytes(box.nonce).add_bytes(box.ciphertext).add(a.answered_at_ms);
    auto q = directory_db_.query(
        "INSERT INTO checkin_answers(round_id, user_id, mood, passed, key_id, nonce, ciphertext,"
        " answered_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (round_id, user_id)"
        " DO UPDATE SET mood = excluded.mood, passed = excluded.passed, key_id = excluded.key_id,"
        " nonce = excluded.nonce, ciphertext = excluded.ciphertext,"
        " answered_at_ms = excluded.answered_at_ms",
        p);
    if (!q.ok()) return q.foreign_key_violation() ? errc::not_found : errc::io_error;
    if (auto counted = count_answers(directory_db_, *r); !counted) return counted.error();
    if (!tx.commit()) return errc::io_error;
    return r;
}

result<checkin_round> pg_store::checkin_of(room_id room, bool with_answers) {
    auto db = reads_.acquire();
    auto r = open_round(*db, room, false);
    if (!r || r->id == 0) return r;
    if (auto counted = count_answers(*db, *r); !counted) return counted.error();
    if (!with_answers) return r;
    static const std::string sql =
        std::string(checkin_answer_select) + " WHERE round_id = $1 ORDER BY user_id";
    pg_params p;
    p.add(r->id);
    auto q = db->query_idempotent(sql.c_str(), p);
    if (!q.ok()) return errc::io_error;
    for (int i = 0; i < q.rows(); ++i) {
        checkin_answer a;
        a.user = q.int64(i, 0);
        a.mood = static_cast<int>(q.int64(i, 1));
        a.passed = q.int64(i, 2) != 0;
        a.answered_at_ms = q.int64(i, 6);
        const std::int64_t key_id = q.int64(i, 3);
        auto word =
            open_row(keys_.get(room, key_id, [&] { return load_room_key(*db, room, key_id); }),
                     sealed{q.bytes(i, 4), q.bytes(i, 5)}, checkin_ad(r->id, a.user, key_id));
        if (!word) return word.error();
        a.word = std::move(*word);
        r->answers.push_back(std::move(a));
    }
    return r;
}

result<bool> pg_store::answered_checkin(std::int64_t round, user_id user) {
    pg_params p;
    p.add(round).add(user);
    auto db = reads_.acquire();
    auto q = db->query_idempotent(
        "SELECT 1 FROM checkin_answers WHERE round_id = $1 AND user_id = $2", p);
    if (!q.ok()) return errc::io_error;
    return q.rows() > 0;
}

result<std::vector<participation_row>> pg_store::participation(room_id room,
                                                               std::int64_t since_ms) {
    pg_params p;
    p.add(room).add(since_ms);
    auto db = reads_.acquire();
    auto q = db->query_idempotent(
        "SELECT sender_id, count(*), max(created_at_ms) FROM messages"
        " WHERE room_id = $1 AND created_at_ms >= $2 GROUP BY sender_id ORDER BY sender_id",
        p);
    if (!q.ok()) return errc::io_error;
    std::vector<participation_row> out;
    for (int i = 0; i < q.rows(); ++i) {
        out.push_back({q.int64(i, 0), static_cast<int>(q.int64(i, 1)), q.int64(i, 2)});
    }
    return out;
}

}  // namespace circles::storage::detail
