// pg_store: the message path — one transaction per batch that locks its rooms, numbers,
// seals and inserts every message, and history reads that decrypt each row.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "circles/storage/limits.hpp"
#include "escalation_rows.hpp"
#include "pg_store.hpp"
#include "store_common.hpp"

namespace circles::storage::detail {
namespace {

using idempotency_key = std::tuple<room_id, user_id, std::string_view>;

idempotency_key key_of(const append_request& req) {
    return {req.room, req.sender, std::string_view(req.client_msg_id)};
}

}  // namespace

// Who gets what in this batch, decided before anything is written.
struct pg_store::batch_plan {
    struct entry {
        std::size_t index;  // in the batch
        const room_state* room;
        seq_t seq;                   // 0: kept out of the room
        std::int64_t escalation_id;  // 0: none
    };
    std::vector<entry> entries;
    std::int64_t now = 0;
};

// --- the queue -----------------------------------------------------------------------------

void pg_store::append(append_request req, append_handler done) {
    queue_.push(std::move(req), std::move(done));
}

void pg_store::flush() { queue_.flush(); }

// --- one batch -----------------------------------------------------------------------------

void pg_store::commit_batch(append_batch& batch) {
    batch_results results(batch.size(), errc::io_error);
    bool committed = false;
    batch_audit_head_.reset();
    {
        pg_transaction tx(writer_db_);
        committed = tx.ok() && write_batch(batch, results, now_ms()) && tx.commit();
    }  // an uncommitted transaction rolls back here
    if (committed && batch_audit_head_) audit_file_.publish(*batch_audit_head_);
    if (!committed) {
        // Nothing of the batch is stored and no rooms.last_seq moved, so no seq is burnt:
        // the next batch numbers from what the database holds.
        spdlog::error("storage: group commit of {} appends failed", batch.size());
        fail_uncommitted(results);
    }
    complete_batch(batch, results);
}

bool pg_store::write_batch(append_batch& batch, batch_results& results, std::int64_t now) {
    // 1. Lock the rooms first: every read below then sees what other nodes committed.
    std::map<room_id, room_state> rooms;
    if (!lock_rooms(batch, rooms)) return false;

    // 2. Which senders exist (an unknown one fails alone, as a foreign key would).
    std::set<user_id> senders;
    {
        std::vector<std::int64_t> ids;
        for (const auto& p : batch) {
            if (valid_request(p.req)) ids.push_back(p.req.sender);
        }
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        if (!ids.empty()) {
            pg_params p;
            p.add(pg_int_array(ids));
            auto r = writer_db_.query("SELECT id FROM users WHERE id = ANY($1::bigint[])", p);
            if (!r.ok()) return false;
            for (int i = 0; i < r.rows(); ++i) senders.insert(r.int64(i, 0));
        }
    }

    // 3. Idempotency keys already stored, as a message and/or as an escalation.
    std::map<idempotency_key, append_result> stored_messages;
    std::map<idempotency_key, append_result> stored_escalations;
    {
        std::vector<idempotency_key> keys;
        for (const auto& p : batch) {
            if (valid_request(p.req)) keys.push_back(key_of(p.req));
        }
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        if (!keys.empty()) {
            std::vector<std::int64_t> key_rooms, key_senders;
            std::vector<std::string_view> key_ids;
            for (const auto& [room, sender, id] : keys) {
                key_rooms.push_back(room);
                key_senders.push_back(sender);
                key_ids.push_back(id);
            }
            pg_params p;
            p.add(pg_int_array(key_rooms)).add(pg_int_array(key_senders));
            p.add(pg_text_array(key_ids));
            auto r = writer_db_.query(
                "SELECT k.i, m.seq, m.epoch, m.created_at_ms, e.id, e.created_at_ms"
                " FROM unnest($1::bigint[], $2::bigint[], $3::text[]) WITH ORDINALITY"
                "  AS k(room_id, sender_id, client_msg_id, i)"
                " LEFT JOIN messages m ON m.room_id = k.room_id AND m.sender_id = k.sender_id"
                "  AND m.client_msg_id = k.client_msg_id"
                " LEFT JOIN escalations e ON e.room_id = k.room_id AND e.sender_id = k.sender_id"
                "  AND e.client_msg_id = k.client_msg_id"
                " WHERE m.seq IS NOT NULL OR e.id IS NOT NULL",
                p);
            if (!r.ok()) return false;
            for (int row = 0; row < r.rows(); ++row) {
                const auto& key = keys.at(static_cast<std::size_t>(r.int64(row, 0) - 1));
                const std::int64_t escalation_id = r.is_null(row, 4) ? 0 : r.int64(row, 4);
                if (!r.is_null(row, 1)) {
                    append_result dup{static_cast<seq_t>(r.int64(row, 1)),
                                      static_cast<std::uint64_t>(r.int64(row, 2)), r.int64(row, 3),
                                      true};
                    dup.escalation_id = escalation_id;
                    stored_messages.emplace(key, dup);
                }
                if (escalation_id != 0) {
                    // As SQLite answers it: a message kept out of the room has no seq or epoch.
                    append_result dup{0, 0, r.int64(row, 5), true};
                    dup.escalation_id = escalation_id;
                    stored_escalations.emplace(key, dup);
                }
            }
        }
    }

    // 4. Escalation ids, taken before sealing because the sealed text's AD names its row.
    std::vector<std::int64_t> escalation_ids;
    {
        const auto wanted = std::count_if(batch.begin(), batch.end(), [](const auto& p) {
            return p.req.escalation.has_value() && valid_request(p.req);
        });
        if (wanted > 0) {
            pg_params p;
            p.add(static_cast<std::int64_t>(wanted));
            auto r = writer_db_.query(
                "SELECT nextval(pg_get_serial_sequence('escalations', 'id'))"
                " FROM generate_series(1, $1::integer)",
                p);
            if (!r.ok() || r.rows() != wanted) return false;
            for (int i = 0; i < r.rows(); ++i) escalation_ids.push_back(r.int64(i, 0));
        }
    }

    // 5. Decide every request, in queue order, numbering from last_seq as locked.
    batch_plan plan;
    plan.now = now;
    batch_repeats repeats;
    std::size_t next_escalation = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const append_request& req = batch[i].req;
        if (auto first = repeats.earlier(batch, i, results)) {
            append_result dup = *results[*first];
            dup.duplicate = true;
            results[i] = dup;
            continue;
        }
        if (!valid_request(req)) {
            results[i] = errc::invalid_argument;
            continue;
        }
        const auto key = key_of(req);
        auto& stored = req.into_room ? stored_messages : stored_escalations;
        if (auto it = stored.find(key); it != stored.end()) {
            results[i] = it->second;  // a retry: the original answer
            continue;
        }
        auto room_it = rooms.find(req.room);
        if (room_it == rooms.end()) {
            results[i] = errc::not_found;
            continue;
        }
        room_state& rs = room_it->second;
        if (rs.error != errc::ok) {
            results[i] = rs.error;
            continue;
        }
        if (!senders.contains(req.sender)) {
            results[i] = errc::not_found;
            continue;
        }
        if (req.escalation && stored_escalations.contains(key)) {
            // The key already names an escalation kept out of the room; inserting another
            // would break its uniqueness (SQLite fails this request the same way).
            results[i] = errc::io_error;
            continue;
        }
        append_result out{0, rs.epoch, now, false};
        if (req.into_room) {
            out.seq = ++rs.last_seq;
            rs.touched = true;
        }
        if (req.escalation) out.escalation_id = escalation_ids.at(next_escalation++);
        results[i] = out;
        plan.entries.push_back({i, &rs, out.seq, out.escalation_id});
    }

    // 6. Write: messages, their escalations, each room's new last_seq, and last (so the
    // chain's lock is held the shortest time) an audit entry per escalation.
    return insert_messages(batch, plan) && insert_escalations(batch, plan) && update_rooms(rooms) &&
           audit_escalations(batch, plan);
}

bool pg_store::lock_rooms(const append_batch& batch, std::map<room_id, room_state>& rooms) {
    std::vector<std::int64_t> ids;
    for (const auto& p : batch) {
        if (valid_request(p.req)) ids.push_back(p.req.room);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (ids.empty()) return true;
    pg_params p;
    p.add(pg_int_array(ids));
    // In id order, so two nodes locking overlapping sets of rooms cannot deadlock. NO KEY
    // UPDATE rather than UPDATE: it still excludes every other batch, but not the foreign key
    // checks of directory writes (a member added to the room meanwhile).
    auto r = writer_db_.query(
        "SELECT r.id, r.last_seq, r.epoch, r.key_id, r.school_id, s.ack_deadline_ms"
        " FROM rooms r JOIN schools s ON s.id = r.school_id WHERE r.id = ANY($1::bigint[])"
        " ORDER BY r.id FOR NO KEY UPDATE OF r",
        p);
    if (!r.ok()) return false;
    for (int row = 0; row < r.rows(); ++row) {
        room_state rs;
        const room_id id = r.int64(row, 0);
        rs.last_seq = static_cast<seq_t>(r.int64(row, 1));
        rs.epoch = static_cast<std::uint64_t>(r.int64(row, 2));
        rs.school = r.int64(row, 4);
        rs.ack_deadline_ms = r.int64(row, 5);
        if (r.is_null(row, 3)) {
            rs.error = errc::io_error;  // a room always gets a key at creation
        } else {
            rs.key_id = r.int64(row, 3);
            auto key =
                keys_.get(id, rs.key_id, [&] { return load_room_key(writer_db_, id, rs.key_id); });
            if (key) {
                rs.key = std::move(*key);
            } else if (writer_db_.broken()) {
                return false;
            } else {
                rs.error = key_error(key.error());
            }
        }
        rooms.emplace(id, std::move(rs));
    }
    return true;
}

bool pg_store::insert_messages(const append_batch& batch, const batch_plan& plan) {
    std::vector<const batch_plan::entry*> rows;
    for (const auto& e : plan.entries) {
        if (e.seq != 0) rows.push_back(&e);
    }
    return pg_insert_rows(
        writer_db_,
        "INSERT INTO messages(room_id, seq, epoch, sender_id, client_msg_id, key_id, nonce,"
        " ciphertext, status, created_at_ms) VALUES ",
        {"bigint", "bigint", "bigint", "bigint", "text", "bigint", "bytea", "bytea", "integer",
         "bigint"},
        rows.size(),
        [&](pg_params& p, std::size_t i) {
            const auto& e = *rows[i];
            const append_request& req = batch[e.index].req;
            const room_state& rs = *e.room;
            const sealed box = seal(*rs.key, req.text, message_ad(req.room, e.seq, rs.key_id));
            p.add(req.room).add(static_cast<std::int64_t>(e.seq));
            p.add(static_cast<std::int64_t>(rs.epoch)).add(req.sender).add(req.client_msg_id);
            p.add(rs.key_id).add_bytes(box.nonce).add_bytes(box.ciphertext);
            p.add(static_cast<std::int64_t>(req.status)).add(plan.now);
        },
        "INSERT INTO messages ...");
}

bool pg_store::insert_escalations(const append_batch& batch, const batch_plan& plan) {
    std::vector<const batch_plan::entry*> rows;
    for (const auto& e : plan.entries) {
        if (e.escalation_id != 0) rows.push_back(&e);
    }
    return pg_insert_rows(
        writer_db_,
        "INSERT INTO escalations(id, school_id, room_id, sender_id, seq, source, categories,"
        " rule_id, key_id, nonce, ciphertext, client_msg_id, created_at_ms, next_page_at_ms)"
        " VALUES ",
        {"bigint", "bigint", "bigint", "bigint", "bigint", "integer", "text", "text", "bigint",
         "bytea", "bytea", "text", "bigint", "bigint"},
        rows.size(),
        [&](pg_params& p, std::size_t i) {
            const auto& e = *rows[i];
            const append_request& req = batch[e.index].req;
            const room_state& rs = *e.room;
            const sealed box = seal(*rs.key, req.text, escalation_ad(e.escalation_id, rs.key_id));
            p.add(e.escalation_id).add(rs.school).add(req.room).add(req.sender);
            // Kept out of the room, it may still be about a room message (a peer report).
            const seq_t about = req.into_room ? e.seq : req.about_seq;
            if (about != 0) {
                p.add(static_cast<std::int64_t>(about));
            } else {
                p.add_null();
            }
            p.add(static_cast<std::int64_t>(req.escalation->source));
            p.add(join_categories(req.escalation->categories)).add(req.escalation->rule_id);
            p.add(rs.key_id).add_bytes(box.nonce).add_bytes(box.ciphertext);
            p.add(req.client_msg_id).add(plan.now).add(plan.now + rs.ack_deadline_ms);
        },
        "INSERT INTO escalations ...");
}

bool pg_store::update_rooms(const std::map<room_id, room_state>& rooms) {
    pg_params p;
    std::size_t n = 0;
    for (const auto& [id, rs] : rooms) {
        if (!rs.touched) continue;
        p.add(id).add(static_cast<std::int64_t>(rs.last_seq));
        ++n;
    }
    if (n == 0) return true;
    const std::string sql =
        pg_values_sql("UPDATE rooms AS r SET last_seq = v.last_seq FROM (VALUES ",
                      {"bigint", "bigint"}, n, ") AS v(id, last_seq) WHERE r.id = v.id");
    return writer_db_.query_dynamic(sql, p, "UPDATE rooms SET last_seq ...").ok();
}

bool pg_store::audit_escalations(const append_batch& batch, const batch_plan& plan) {
    std::vector<audit_record> opened;
    for (const auto& e : plan.entries) {
        if (e.escalation_id == 0) continue;
        const append_request& req = batch[e.index].req;
        opened.push_back(escalation_opened(e.room->school, req, e.escalation_id,
                                           req.into_room ? e.seq : req.about_seq));
    }
    if (opened.empty()) return true;
    batch_audit_head_ = append_audit_entries(writer_db_, audit_key_, opened, plan.now);
    return batch_audit_head_.has_value();
}

// --- reads ---------------------------------------------------------------------------------

result<std::vector<stored_message>> pg_store::read_messages(pg_connection& db, const char* sql,
                                                            room_id room, std::int64_t bound,
                                                            std::size_t limit) {
    pg_params p;
    p.add(room).add(bound).add(static_cast<std::int64_t>(limit));
    auto r = db.query_idempotent(sql, p);
    if (!r.ok()) return errc::io_error;
    std::vector<stored_message> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int row = 0; row < r.rows(); ++row) {
        auto m = message_from(
            room, [&](int c) { return r.int64(row, c); }, [&](int c) { return r.text(row, c); },
            [&](int c) { return r.bytes(row, c); },
            [&](room_id rm, std::int64_t key_id) {
                return keys_.get(rm, key_id, [&] { return load_room_key(db, rm, key_id); });
            });
        if (!m) return m.error();
        out.push_back(std::move(*m));
    }
    return out;
}

result<history_page> pg_store::history(room_id room, seq_t before_seq, std::size_t limit) {
    limit = std::min(limit, limits::max_page_messages);
    const std::int64_t bound = history_bound(before_seq);
    auto db = reads_.acquire();
    // Ask for one extra row to learn whether an older page exists.
    static const std::string sql =
        std::string(message_select) +
        " WHERE m.room_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3";
    auto rows = read_messages(*db, sql.c_str(), room, bound, limit + 1);
    if (!rows) return rows.error();
    return page_from_newest_first(std::move(*rows), limit);
}

result<std::vector<stored_message>> pg_store::since(room_id room, seq_t after_seq,
                                                    std::size_t limit) {
    limit = std::min(limit, limits::max_page_messages);
    if (!any_seq_after(after_seq)) return std::vector<stored_message>{};
    auto db = reads_.acquire();
    static const std::string sql =
        std::string(message_select) +
        " WHERE m.room_id = $1 AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3";
    return read_messages(*db, sql.c_str(), room, static_cast<std::int64_t>(after_seq), limit);
}

result<std::vector<escalation>> pg_store::escalations(school_id school, std::string_view state,
                                                      std::size_t limit) {
    limit = std::min(limit, limits::max_page_messages);
    if (!valid_utf8(state)) return std::vector<escalation>{};  // no stored state is that
    pg_params p;
    p.add(school).add(state).add(static_cast<std::int64_t>(limit));
    static const std::string sql = std::string(escalation_select) +
                                   " WHERE school_id = $1 AND state = $2"
                                   " ORDER BY id LIMIT $3";
    auto db = reads_.acquire();
    return read_escalations(*db, sql.c_str(), p);
}

}  // namespace circles::storage::detail
