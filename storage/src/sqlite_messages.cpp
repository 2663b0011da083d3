// sqlite_store: the message path — the append queue, the group-committing writer thread,
// and history reads that decrypt each row.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <string>
#include <tuple>

#include "circles/storage/limits.hpp"
#include "escalation_rows.hpp"
#include "sqlite_store.hpp"
#include "store_common.hpp"

namespace circles::storage::detail {

// --- the queue -----------------------------------------------------------------------------

void sqlite_store::append(append_request req, append_handler done) {
    queue_.push(std::move(req), std::move(done));
}

void sqlite_store::flush() { queue_.flush(); }

// --- one batch -----------------------------------------------------------------------------

void sqlite_store::commit_batch(append_batch& batch) {
    batch_results results(batch.size(), errc::io_error);
    std::set<room_id> touched;  // rooms whose cached last_seq this batch moved
    batch_repeats repeats;
    bool committed = false;
    batch_audit_head_.reset();
    {
        transaction tx(writer_db_, transaction::kind::immediate);
        if (tx.ok()) {
            const std::int64_t now = now_ms();
            for (std::size_t i = 0; i < batch.size(); ++i) {
                const append_request& req = batch[i].req;
                if (auto first = repeats.earlier(batch, i, results)) {
                    append_result dup = *results[*first];
                    dup.duplicate = true;
                    results[i] = dup;
                    continue;
                }
                // A failed request rolls back alone. A request that writes one row needs
                // nothing for that (a failed statement undoes itself); one that carries an
                // escalation (its message, the escalation and its audit entry) runs in a
                // savepoint, all or nothing.
                const bool savepoint = req.escalation.has_value();
                if (savepoint && writer_db_.prepare("SAVEPOINT one_append").run() != SQLITE_DONE) {
                    results[i] = errc::io_error;
                    continue;
                }
                const auto audit_before = batch_audit_head_;
                results[i] = append_one(req, now, touched);
                if (savepoint) {
                    if (!results[i]) {
                        writer_db_.prepare("ROLLBACK TO one_append").run();
                        batch_audit_head_ = audit_before;  // its audit entry went with it
                    }
                    writer_db_.prepare("RELEASE one_append").run();
                }
                if (sqlite3_get_autocommit(writer_db_.handle())) {
                    // SQLite rolled the whole transaction back (disk full, I/O error): the
                    // rest of the batch must not run in autocommit mode.
                    break;
                }
            }
            // rooms.last_seq is not rewritten: the messages' primary key holds each room's
            // last seq (sqlite_store.hpp), and a batch that also rewrote the rooms rows wrote
            // one more WAL page per room it touched (a third of the pages of a small batch).
            committed = !sqlite3_get_autocommit(writer_db_.handle()) && tx.commit() == SQLITE_OK;
        }
    }  // an uncommitted transaction rolls back here
    if (committed && batch_audit_head_) audit_file_.publish(*batch_audit_head_);
    if (!committed) {
        spdlog::error("storage: group commit of {} appends failed: {}", batch.size(),
                      writer_db_.errmsg());
        // Forget the touched rooms rather than trust a restored number: writer_room reloads
        // last_seq from what the database actually holds, so no seq is skipped or reused.
        for (const room_id room : touched) rooms_.erase(room);
        fail_uncommitted(results);
    }
    complete_batch(batch, results);
    checkpointer_.finish_between_batches(writer_db_);
}

result<void> sqlite_store::check_sender(user_id sender) {
    if (known_senders_.contains(sender)) return {};
    auto q = writer_db_.prepare("SELECT 1 FROM users WHERE id = ?");
    q.bind(1, sender);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return errc::not_found;
    if (rc != SQLITE_ROW) return errc::io_error;
    if (known_senders_.size() >= max_known_senders) known_senders_.clear();
    known_senders_.insert(sender);
    return {};
}

result<sqlite_store::room_state*> sqlite_store::writer_room(room_id room) {
    auto it = rooms_.find(room);
    if (it != rooms_.end()) return &it->second;
    room_state state;
    {
        // The room's last seq is its newest message's (rooms.last_seq is only a floor).
        auto q = writer_db_.prepare(
            "SELECT max(last_seq, coalesce((SELECT max(seq) FROM messages WHERE room_id = ?1),"
            " 0)), epoch, key_id, school_id FROM rooms WHERE id = ?1");
        q.bind(1, room);
        int rc = q.step();
        if (rc == SQLITE_DONE) return errc::not_found;
        if (rc != SQLITE_ROW) return errc::io_error;
        if (q.is_null(2)) return errc::io_error;  // a room always gets a key at creation
        state.last_seq = static_cast<seq_t>(q.int64(0));
        state.epoch = static_cast<std::uint64_t>(q.int64(1));
        state.key_id = q.int64(2);
        state.school = q.int64(3);
    }
    auto key = keys_.get(room, state.key_id,
                         [&] { return load_room_key(writer_db_, room, state.key_id); });
    if (!key) return key.error();
    state.key = std::move(*key);
    return &rooms_.emplace(room, std::move(state)).first->second;
}

// A retried send gets its original seq (and escalation), duplicate=true; nullopt when the
// key (room, sender, client_msg_id) is new.
result<std::optional<append_result>> sqlite_store::earlier_append(const append_request& req) {
    auto q = writer_db_.prepare(
        req.into_room
            ? "SELECT m.seq, m.epoch, m.created_at_ms,"
              " (SELECT e.id FROM escalations e WHERE e.room_id = m.room_id"
              "  AND e.sender_id = m.sender_id AND e.client_msg_id = m.client_msg_id)"
              " FROM messages m WHERE m.room_id = ? AND m.sender_id = ? AND m.client_msg_id = ?"
            : "SELECT 0, 0, created_at_ms, id FROM escalations"
              " WHERE room_id = ? AND sender_id = ? AND client_msg_id = ?");
    q.bind(1, req.room).bind(2, req.sender).bind(3, req.client_msg_id);
    const int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<append_result>{};
    if (rc != SQLITE_ROW) return errc::io_error;
    append_result dup{static_cast<seq_t>(q.int64(0)), static_cast<std::uint64_t>(q.int64(1)),
                      q.int64(2), true};
    dup.escalation_id = q.is_null(3) ? 0 : q.int64(3);
    return std::optional<append_result>{dup};
}

result<append_result> sqlite_store::append_one(const append_request& req, std::int64_t now,
                                               std::set<room_id>& touched) {
    if (!valid_request(req)) return errc::invalid_argument;
    if (auto sender = check_sender(req.sender); !sender) return sender.error();
    if (!req.into_room) {
        // Kept out of the room: only its escalation can say it was sent before.
        auto earlier = earlier_append(req);
        if (!earlier) return earlier.error();
        if (*earlier) return **earlier;
    }
    auto state = writer_room(req.room);
    if (!state) return state.error();
    room_state& rs = **state;
    append_result out{0, rs.epoch, now, false};
    if (req.into_room) {
        const seq_t seq = rs.last_seq + 1;
        const sealed box = seal(*rs.key, req.text, message_ad(req.room, seq, rs.key_id));
        // The message's own uniqueness constraint recognises a retry: the insert does nothing,
        // and only then is the original looked up (a send is new far more often than not, so
        // it pays for one index probe, not a lookup and a probe).
        auto q = writer_db_.prepare(
            "INSERT INTO messages(room_id, seq, epoch, sender_id, client_msg_id, key_id, nonce,"
            " ciphertext, status, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (room_id, sender_id, client_msg_id) DO NOTHING");
        q.bind(1, req.room).bind(2, static_cast<std::int64_t>(seq));
        q.bind(3, static_cast<std::int64_t>(rs.epoch)).bind(4, req.sender);
        q.bind(5, req.client_msg_id).bind(6, rs.key_id).bind_blob(7, box.nonce);
        q.bind_blob(8, box.ciphertext).bind(9, static_cast<std::int64_t>(req.status)).bind(10, now);
        const int rc = q.run();
        if (rc != SQLITE_DONE) return errc::io_error;
        if (writer_db_.changes() == 0) {
            auto earlier = earlier_append(req);
            if (!earlier) return earlier.error();
            if (!*earlier) return errc::io_error;  // a conflict with no row to show for it
            return **earlier;
        }
        out.seq = seq;
    }
    if (req.escalation) {
        // Kept out of the room, it may still be about a room message (a peer report).
        auto id = insert_escalation(req, rs, req.into_room ? out.seq : req.about_seq, now);
        if (!id) return id.error();  // the savepoint rolls the message back with it
        out.escalation_id = *id;
    }
    if (req.into_room) {
        touched.insert(req.room);
        rs.last_seq = out.seq;
    }
    return out;
}

// On the writer thread, inside the batch transaction: ids are taken here, not by SQLite, so
// the sealed text can be bound to its row before the row exists.
result<std::int64_t> sqlite_store::insert_escalation(const append_request& req,
                                                     const room_state& rs, seq_t seq,
                                                     std::int64_t now) {
    std::int64_t id = 0;
    {
        auto q = writer_db_.prepare("SELECT coalesce(max(id), 0) + 1 FROM escalations");
        if (q.step() != SQLITE_ROW) return errc::io_error;
        id = q.int64(0);
    }
    const sealed box = seal(*rs.key, req.text, escalation_ad(id, rs.key_id));
    auto q = writer_db_.prepare(
        "INSERT INTO escalations(id, school_id, room_id, sender_id, seq, source, categories,"
        " rule_id, key_id, nonce, ciphertext, client_msg_id, created_at_ms, next_page_at_ms)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
        " ?13 + (SELECT ack_deadline_ms FROM schools WHERE id = ?2))");
    q.bind(1, id).bind(2, rs.school).bind(3, req.room).bind(4, req.sender);
    if (seq) {
        q.bind(5, static_cast<std::int64_t>(seq));
    } else {
        q.bind_null(5);
    }
    q.bind(6, static_cast<std::int64_t>(req.escalation->source));
    q.bind(7, join_categories(req.escalation->categories)).bind(8, req.escalation->rule_id);
    q.bind(9, rs.key_id).bind_blob(10, box.nonce).bind_blob(11, box.ciphertext);
    q.bind(12, req.client_msg_id).bind(13, now);
    if (q.run() != SQLITE_DONE) return errc::io_error;
    // Its first audit entry, in the same savepoint: both commit or neither does.
    const audit_record opened = escalation_opened(rs.school, req, id, seq);
    const auto head = append_audit_entries(writer_db_, audit_key_, {&opened, 1}, now);
    if (!head) return errc::io_error;
    batch_audit_head_ = head;
    return id;
}

// --- reads ---------------------------------------------------------------------------------

result<std::vector<stored_message>> sqlite_store::read_messages(database& db, const char* sql,
                                                                room_id room, std::int64_t bound,
                                                                std::size_t limit) {
    std::vector<stored_message> out;
    auto q = db.prepare(sql);
    q.bind(1, room).bind(2, bound).bind(3, static_cast<std::int64_t>(limit));
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        auto m = message_from(
            room, [&](int c) { return q.int64(c); }, [&](int c) { return q.text(c); },
            [&](int c) { return q.blob(c); },
            [&](room_id r, std::int64_t key_id) {
                return keys_.get(r, key_id, [&] { return load_room_key(db, r, key_id); });
            });
        if (!m) return m.error();
        out.push_back(std::move(*m));
    }
    if (rc != SQLITE_DONE) return errc::io_error;
    return out;
}

result<history_page> sqlite_store::history(room_id room, seq_t before_seq, std::size_t limit) {
    limit = std::min(limit, limits::max_page_messages);
    const std::int64_t bound = history_bound(before_seq);
    auto db = reads_.acquire();
    // Ask for one extra row to learn whether an older page exists.
    static const std::string sql = std::string(message_select) +
                                   " WHERE m.room_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?";
    auto rows = read_messages(*db, sql.c_str(), room, bound, limit + 1);
    if (!rows) return rows.error();
    return page_from_newest_first(std::move(*rows), limit);
}

result<std::vector<stored_message>> sqlite_store::since(room_id room, seq_t after_seq,
                                                        std::size_t limit) {
    limit = std::min(limit, limits::max_page_messages);
    if (!any_seq_after(after_seq)) return std::vector<stored_message>{};
    auto db = reads_.acquire();
    static const std::string sql = std::string(message_select) +
                                   " WHERE m.room_id = ? AND m.seq > ? ORDER BY m.seq ASC LIMIT ?";
    return read_messages(*db, sql.c_str(), room, static_cast<std::int64_t>(after_seq), limit);
}

result<std::vector<escalation>> sqlite_store::escalations(school_id school, std::string_view state,
                                                          std::size_t limit) {
    limit = std::min(limit, limits::max_page_messages);
    auto db = reads_.acquire();
    static const std::string sql = std::string(escalation_select) +
                                   " WHERE school_id = ? AND state = ?"
                                   " ORDER BY id LIMIT ?";
    auto q = db->prepare(sql.c_str());
    q.bind(1, school).bind(2, state).bind(3, static_cast<std::int64_t>(limit));
    return read_escalations(*db, q);
}

}  // namespace circles::storage::detail
