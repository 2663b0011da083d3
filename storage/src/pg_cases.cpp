// pg_store: case handling and real names. Each change commits with its audit entries on
// directory_db_; the escalation row is locked (FOR UPDATE) while its state is read and
// changed, so two counselors on two nodes cannot both move it, and each move is audited once.
#include "case_rows.hpp"
#include "circles/storage/limits.hpp"
#include "escalation_rows.hpp"
#include "pg_store.hpp"

namespace circles::storage::detail {

result<updated_case> pg_store::update_case(const case_update& u) {
    if (!valid_case_update(u)) return errc::invalid_argument;
    auto checked = acknowledgeable(*this, u.escalation_id, u.counselor);
    if (!checked) return checked.error();
    bool moved = false;
    {
        std::lock_guard lock(directory_mutex_);
        pg_transaction tx(directory_db_);
        if (!tx.ok()) return errc::io_error;
        escalation e = *checked;
        std::int64_t key_id = 0;
        {
            pg_params p;
            p.add(u.escalation_id);
            auto r = directory_db_.query(
                "SELECT state, key_id FROM escalations WHERE id = $1 FOR UPDATE", p);
            if (!r.ok() || r.rows() != 1) return errc::io_error;
            e.state = r.text(0, 0);
            key_id = r.int64(0, 1);
        }
        auto move = plan_case_move(e.state, u);
        if (!move) return move.error();
        moved = move->change;
        const std::int64_t now = now_ms();
        if (move->change) {
            pg_params p;
            p.add(u.counselor).add(now).add(std::int64_t{u.outcome}).add(u.escalation_id);
            // Either move acknowledges an open case on the way.
            auto r = directory_db_.query(
                u.to == "resolved"
                    ? "UPDATE escalations SET state = 'resolved', resolved_by = $1,"
                      " resolved_at_ms = $2, outcome = $3,"
                      " acknowledged_by = coalesce(acknowledged_by, $1),"
                      " acknowledged_at_ms = coalesce(acknowledged_at_ms, $2) WHERE id = $4"
                    : "UPDATE escalations SET state = 'in_progress', taken_by = $1,"
                      " taken_at_ms = $2, acknowledged_by = coalesce(acknowledged_by, $1),"
                      " acknowledged_at_ms = coalesce(acknowledged_at_ms, $2),"
                      " outcome = nullif($3::integer, 0) WHERE id = $4",
                p);
            if (!r.ok() || r.affected() != 1) return errc::io_error;
        }
        std::int64_t note_id = 0;
        if (!u.note.empty()) {
            {
                auto r = directory_db_.query(
                    "SELECT nextval(pg_get_serial_sequence('case_notes', 'id'))");
                if (!r.ok() || r.rows() != 1) return errc::io_error;
                note_id = r.int64(0, 0);
            }
            auto key = keys_.get(e.room, key_id,
                                 [&] { return load_room_key(directory_db_, e.room, key_id); });
            if (!key) return key_error(key.error());
            const sealed box = seal(**key, u.note, case_note_ad(note_id, key_id));
            pg_params p;
            p.add(note_id).add(u.escalation_id).add(u.counselor).add(key_id);
            p.add_bytes(box.nonce).add_bytes(box.ciphertext).add(now);
            if (!directory_db_
                     .query("INSERT INTO case_notes(id, escalation_id, author_id, key_id, nonce,"
                            " ciphertext, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                            p)
                     .ok()) {
                return errc::io_error;
            }
        }
        const auto entries = case_entries(e, u, *move, note_id);
        if (!entries.empty() && !commit_with_audit(tx, entries)) return errc::io_error;
    }
    auto now = get_escalation(u.escalation_id);
    if (!now) return now.error();
    return updated_case{std::move(*now), moved};
}

result<std::vector<case_note>> pg_store::case_notes(std::int64_t escalation_id) {
    static const std::string sql =
        std::string(case_note_select) + " WHERE n.escalation_id = $1 ORDER BY n.id";
    pg_params p;
    p.add(escalation_id);
    auto db = reads_.acquire();
    auto r = db->query_idempotent(sql.c_str(), p);
    if (!r.ok()) return errc::io_error;
    std::vector<case_note> out;
    for (int i = 0; i < r.rows(); ++i) {
        case_note n{r.int64(i, 0), r.int64(i, 1), r.int64(i, 2), {}, r.int64(i, 6)};
        const std::int64_t key_id = r.int64(i, 3);
        const room_id room = r.int64(i, 7);
        auto text =
            open_row(keys_.get(room, key_id, [&] { return load_room_key(*db, room, key_id); }),
                     sealed{r.bytes(i, 4), r.bytes(i, 5)}, case_note_ad(n.id, key_id));
        if (!text) return text.error();
        n.text = std::move(*text);
        out.push_back(std::move(n));
    }
    return out;
}

result<void> pg_store::set_real_name(user_id user, std::string_view name) {
    if (name.size() > limits::max_real_name_bytes || !valid_utf8(name)) {
        return errc::invalid_argument;
    }
    auto who = get_user(user);
    if (!who) return who.error();
    std::lock_guard lock(directory_mutex_);
    pg_transaction tx(directory_db_);
    if (!tx.ok()) return errc::io_error;
    pg_params p;
    p.add(user);
    if (name.empty()) {
        if (!directory_db_.query("DELETE FROM user_identities WHERE user_id = $1", p).ok()) {
            return errc::io_error;
        }
    } else {
        const sealed box = seal(*identity_key(*master_), name, identity_ad(user));
        p.add_bytes(box.nonce).add_bytes(box.ciphertext);
        if (!directory_db_
                 .query("INSERT INTO user_identities(user_id, nonce, ciphertext)"
                        " VALUES ($1, $2, $3) ON CONFLICT (user_id) DO UPDATE SET"
                        " nonce = excluded.nonce, ciphertext = excluded.ciphertext",
                        p)
                 .ok()) {
            return errc::io_error;
        }
    }
    if (!commit_with_audit(tx, identity_set(who->school, user, name.empty()))) {
        return errc::io_error;
    }
    return {};
}

result<std::string> pg_store::reveal_identity(std::int64_t id, user_id counselor) {
    auto e = acknowledgeable(*this, id, counselor);
    if (!e) return e.error();
    if (e->state == "open") return errc::not_permitted;
    std::lock_guard lock(directory_mutex_);
    pg_transaction tx(directory_db_);
    if (!tx.ok()) return errc::io_error;
    std::string name;
    {
        pg_params p;
        p.add(e->sender);
        auto r = directory_db_.query(
            "SELECT nonce, ciphertext FROM user_identities WHERE user_id = $1", p);
        if (!r.ok()) return errc::io_error;
        if (r.rows() == 1) {
            auto opened =
                storage::open(*identity_key(*master_), sealed{r.bytes(0, 0), r.bytes(0, 1)},
                              identity_ad(e->sender));
            if (!opened) return opened.error();
            name = std::move(*opened);
        }
    }
    // Recorded before anyone sees the name.
    if (!commit_with_audit(tx, identity_revealed(*e, counselor))) return errc::io_error;
    return name;
}

}  // namespace circles::storage::detail
