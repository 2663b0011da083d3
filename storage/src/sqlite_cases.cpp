// sqlite_store: case handling and real names. Each change commits with its audit entries on
// directory_db_ (BEGIN IMMEDIATE: the state read inside the transaction is the one changed,
// and note ids taken as max()+1 cannot collide).
#include "case_rows.hpp"
#include "circles/storage/limits.hpp"
#include "escalation_rows.hpp"
#include "sqlite_store.hpp"

namespace circles::storage::detail {

result<updated_case> sqlite_store::update_case(const case_update& u) {
    if (!valid_case_update(u)) return errc::invalid_argument;
    auto checked = acknowledgeable(*this, u.escalation_id, u.counselor);
    if (!checked) return checked.error();
    bool moved = false;
    {
        std::lock_guard lock(directory_mutex_);
        transaction tx(directory_db_, transaction::kind::immediate);
        if (!tx.ok()) return errc::io_error;
        escalation e = *checked;
        std::int64_t key_id = 0;
        {
            // The state as this transaction sees it, not as it was before the lock.
            auto q = directory_db_.prepare("SELECT state, key_id FROM escalations WHERE id = ?");
            q.bind(1, u.escalation_id);
            if (q.step() != SQLITE_ROW) return errc::io_error;
            e.state = q.text(0);
            key_id = q.int64(1);
        }
        auto move = plan_case_move(e.state, u);
        if (!move) return move.error();
        moved = move->change;
        const std::int64_t now = now_ms();
        if (move->change) {
            // Either move acknowledges an open case on the way.
            auto q = directory_db_.prepare(
                u.to == "resolved"
                    ? "UPDATE escalations SET state = 'resolved', resolved_by = ?1,"
                      " resolved_at_ms = ?2, outcome = ?3,"
                      " acknowledged_by = coalesce(acknowledged_by, ?1),"
                      " acknowledged_at_ms = coalesce(acknowledged_at_ms, ?2) WHERE id = ?4"
                    : "UPDATE escalations SET state = 'in_progress', taken_by = ?1,"
                      " taken_at_ms = ?2, acknowledged_by = coalesce(acknowledged_by, ?1),"
                      " acknowledged_at_ms = coalesce(acknowledged_at_ms, ?2),"
                      " outcome = nullif(?3, 0) WHERE id = ?4");
            q.bind(1, u.counselor).bind(2, now).bind(3, u.outcome).bind(4, u.escalation_id);
            if (q.run() != SQLITE_DONE || directory_db_.changes() != 1) return errc::io_error;
        }
        std::int64_t note_id = 0;
        if (!u.note.empty()) {
            {
                auto q = directory_db_.prepare("SELECT coalesce(max(id), 0) + 1 FROM case_notes");
                if (q.step() != SQLITE_ROW) return errc::io_error;
                note_id = q.int64(0);
            }
            auto key = keys_.get(e.room, key_id,
                                 [&] { return load_room_key(directory_db_, e.room, key_id); });
            if (!key) return key_error(key.error());
            const sealed box = seal(**key, u.note, case_note_ad(note_id, key_id));
            auto q = directory_db_.prepare(
                "INSERT INTO case_notes(id, escalation_id, author_id, key_id, nonce, ciphertext,"
                " created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
            q.bind(1, note_id).bind(2, u.escalation_id).bind(3, u.counselor).bind(4, key_id);
            q.bind_blob(5, box.nonce).bind_blob(6, box.ciphertext).bind(7, now);
            if (q.run() != SQLITE_DONE) return errc::io_error;
        }
        const auto entries = case_entries(e, u, *move, note_id);
        if (!entries.empty() && !commit_with_audit(tx, entries)) return errc::io_error;
    }
    auto now = get_escalation(u.escalation_id);
    if (!now) return now.error();
    return updated_case{std::move(*now), moved};
}

result<std::vector<case_note>> sqlite_store::case_notes(std::int64_t escalation_id) {
    auto db = reads_.acquire();
    static const std::string sql =
        std::string(case_note_select) + " WHERE n.escalation_id = ? ORDER BY n.id";
    auto q = db->prepare(sql.c_str());
    q.bind(1, escalation_id);
    std::vector<case_note> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        case_note n{q.int64(0), q.int64(1), q.int64(2), {}, q.int64(6)};
        const std::int64_t key_id = q.int64(3);
        const room_id room = q.int64(7);
        auto text =
            open_row(keys_.get(room, key_id, [&] { return load_room_key(*db, room, key_id); }),
                     sealed{q.blob(4), q.blob(5)}, case_note_ad(n.id, key_id));
        if (!text) return text.error();
        n.text = std::move(*text);
        out.push_back(std::move(n));
    }
    if (rc != SQLITE_DONE) return errc::io_error;
    return out;
}

result<void> sqlite_store::set_real_name(user_id user, std::string_view name) {
    if (name.size() > limits::max_real_name_bytes || !valid_utf8(name)) {
        return errc::invalid_argument;
    }
    auto who = get_user(user);
    if (!who) return who.error();
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    if (name.empty()) {
        auto q = directory_db_.prepare("DELETE FROM user_identities WHERE user_id = ?");
        q.bind(1, user);
        if (q.run() != SQLITE_DONE) return errc::io_error;
    } else {
        const sealed box = seal(*identity_key(*master_), name, identity_ad(user));
        auto q = directory_db_.prepare(
            "INSERT INTO user_identities(user_id, nonce, ciphertext) VALUES (?, ?, ?)"
            " ON CONFLICT(user_id) DO UPDATE SET nonce = excluded.nonce,"
            " ciphertext = excluded.ciphertext");
        q.bind(1, user).bind_blob(2, box.nonce).bind_blob(3, box.ciphertext);
        if (q.run() != SQLITE_DONE) return errc::io_error;
    }
    if (!commit_with_audit(tx, identity_set(who->school, user, name.empty()))) {
        return errc::io_error;
    }
    return {};
}

result<std::string> sqlite_store::reveal_identity(std::int64_t id, user_id counselor) {
    auto e = acknowledgeable(*this, id, counselor);
    if (!e) return e.error();
    if (e->state == "open") return errc::not_permitted;
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    std::string name;
    {
        auto q = directory_db_.prepare(
            "SELECT nonce, ciphertext FROM user_identities WHERE user_id = ?");
        q.bind(1, e->sender);
        const int rc = q.step();
        if (rc == SQLITE_ROW) {
            auto opened = storage::open(*identity_key(*master_), sealed{q.blob(0), q.blob(1)},
                                        identity_ad(e->sender));
            if (!opened) return opened.error();
            name = std::move(*opened);
        } else if (rc != SQLITE_DONE) {
            return errc::io_error;
        }
    }
    // Recorded before anyone sees the name.
    if (!commit_with_audit(tx, identity_revealed(*e, counselor))) return errc::io_error;
    return name;
}

}  // namespace circles::storage::detail
