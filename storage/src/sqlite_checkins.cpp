// sqlite_store: check-in rounds and participation. Starting a round and answering commit on
// directory_db_ (BEGIN IMMEDIATE); the reads run on the read pool.
#include <algorithm>
#include <map>

#include "checkin_rows.hpp"
#include "sqlite_store.hpp"
#include "store_common.hpp"

namespace circles::storage::detail {

namespace {

// How far past the start of a participation window its walk over the newest messages goes
// before it stops: a wall clock stepped back by less than this loses nothing.
constexpr std::int64_t participation_clock_slack_ms = 10 * 60 * 1000;

// The round's counts, read on `db`.
result<void> count_answers(database& db, checkin_round& r) {
    static const std::string sql = std::string(checkin_count_select) + " WHERE round_id = ?";
    auto q = db.prepare(sql.c_str());
    q.bind(1, r.id);
    if (q.step() != SQLITE_ROW) return errc::io_error;
    r.answered = static_cast<int>(q.int64(0));
    r.passed = static_cast<int>(q.int64(1));
    return {};
}

// The room's open round (id 0 for none), without counts.
result<checkin_round> open_round(database& db, room_id room) {
    auto q = db.prepare(
        "SELECT id, started_by, started_at_ms FROM checkin_rounds"
        " WHERE room_id = ? AND ended_at_ms IS NULL ORDER BY id DESC LIMIT 1");
    q.bind(1, room);
    checkin_round r;
    r.room = room;
    const int rc = q.step();
    if (rc == SQLITE_DONE) return r;
    if (rc != SQLITE_ROW) return errc::io_error;
    r.id = q.int64(0);
    r.started_by = q.int64(1);
    r.started_at_ms = q.int64(2);
    return r;
}

}  // namespace

result<checkin_round> sqlite_store::start_checkin(room_id room, user_id by) {
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    if (auto school = school_of_room(directory_db_, room); !school) return school.error();
    const std::int64_t now = now_ms();
    {
        auto q = directory_db_.prepare(
            "UPDATE checkin_rounds SET ended_at_ms = ? WHERE room_id = ? AND ended_at_ms IS NULL");
        q.bind(1, now).bind(2, room);
        if (q.run() != SQLITE_DONE) return errc::io_error;
    }
    auto q = directory_db_.prepare(
        "INSERT INTO checkin_rounds(room_id, started_by, started_at_ms) VALUES (?, ?, ?)");
    q.bind(1, room).bind(2, by).bind(3, now);
    const int rc = q.run();
    if (is_foreign_key_violation(rc)) return errc::not_found;
    if (rc != SQLITE_DONE) return errc::io_error;
    checkin_round out;
    out.id = directory_db_.last_insert_rowid();
    out.room = room;
    out.started_by = by;
    out.started_at_ms = now;
    if (tx.commit() != SQLITE_OK) return errc::io_error;
    return out;
}

result<checkin_round> sqlite_store::answer_checkin(room_id room, std::int64_t round,
                                                   const checkin_answer& a) {
    if (!valid_checkin_answer(a)) return errc::invalid_argument;
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    auto r = open_round(directory_db_, room);
    if (!r) return r.error();
    if (r->id == 0 || r->id != round) return errc::not_found;
    std::int64_t key_id = 0;
    {
        auto q = directory_db_.prepare("SELECT key_id FROM rooms WHERE id = ?");
        q.bind(1, room);
        if (q.step() != SQLITE_ROW) return errc::io_error;
        key_id = q.int64(0);
    }
    auto key = keys_.get(room, key_id, [&] { return load_room_key(directory_db_, room, key_id); });
    if (!key) return key_error(key.error());
    const sealed box = seal(**key, a.word, checkin_ad(round, a.user, key_id));
    auto q = directory_db_.prepare(
        "INSERT INTO checkin_answers(round_id, user_id, mood, passed, key_id, nonce, ciphertext,"
        " answered_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(round_id, user_id) DO"
        " UPDATE SET mood = excluded.mood, passed = excluded.passed, key_id = excluded.key_id,"
        " nonce = excluded.nonce, ciphertext = excluded.ciphertext,"
        " answered_at_ms = excluded.answered_at_ms");
    q.bind(1, round).bind(2, a.user).bind(3, a.mood).bind(4, a.passed ? 1 : 0).bind(5, key_id);
    q.bind_blob(6, box.nonce).bind_blob(7, box.ciphertext).bind(8, a.answered_at_ms);
    const int rc = q.run();
    if (is_foreign_key_violation(rc)) return errc::not_found;
    if (rc != SQLITE_DONE) return errc::io_error;
    if (auto counted = count_answers(directory_db_, *r); !counted) return counted.error();
    if (tx.commit() != SQLITE_OK) return errc::io_error;
    return r;
}

result<checkin_round> sqlite_store::checkin_of(room_id room, bool with_answers) {
    auto db = reads_.acquire();
    auto r = open_round(*db, room);
    if (!r || r->id == 0) return r;
    if (auto counted = count_answers(*db, *r); !counted) return counted.error();
    if (!with_answers) return r;
    static const std::string sql =
        std::string(checkin_answer_select) + " WHERE round_id = ? ORDER BY user_id";
    auto q = db->prepare(sql.c_str());
    q.bind(1, r->id);
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        checkin_answer a;
        a.user = q.int64(0);
        a.mood = static_cast<int>(q.int64(1));
        a.passed = q.int64(2) != 0;
        a.answered_at_ms = q.int64(6);
        const std::int64_t key_id = q.int64(3);
        auto word =
            open_row(keys_.get(room, key_id, [&] { return load_room_key(*db, room, key_id); }),
                     sealed{q.blob(4), q.blob(5)}, checkin_ad(r->id, a.user, key_id));
        if (!word) return word.error();
        a.word = std::move(*word);
        r->answers.push_back(std::move(a));
    }
    if (rc != SQLITE_DONE) return errc::io_error;
    return r;
}

result<bool> sqlite_store::answered_checkin(std::int64_t round, user_id user) {
    auto db = reads_.acquire();
    auto q = db->prepare("SELECT 1 FROM checkin_answers WHERE round_id = ? AND user_id = ?");
    q.bind(1, round).bind(2, user);
    const int rc = q.step();
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return errc::io_error;
}

result<std::vector<participation_row>> sqlite_store::participation(room_id room,
                                                                   std::int64_t since_ms) {
    // Newest first along the primary key, with no index on time (migration 10): a message's
    // time follows its seq, except where the wall clock was stepped back, so the walk goes on
    // past the window by participation_clock_slack_ms before it stops.
    auto db = reads_.acquire();
    auto q = db->prepare(
        "SELECT sender_id, created_at_ms FROM messages WHERE room_id = ? ORDER BY seq DESC");
    q.bind(1, room);
    std::map<user_id, participation_row> by_sender;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        const std::int64_t at = q.int64(1);
        if (at < since_ms - participation_clock_slack_ms) break;
        if (at < since_ms) continue;
        auto& row = by_sender[q.int64(0)];
        row.user = q.int64(0);
        row.messages += 1;
        row.last_at_ms = std::max(row.last_at_ms, at);
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return errc::io_error;
    std::vector<participation_row> out;
    out.reserve(by_sender.size());
    for (auto& [user, row] : by_sender) out.push_back(row);
    return out;
}

}  // namespace circles::storage::detail
