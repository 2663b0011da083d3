#pragma once
// What both stores share about escalation rows: the columns a read selects and how a row
// becomes an `escalation`, the checks on a school's paging settings, and the audit entries of
// each paging step. A store only runs the SQL of its dialect.
#include <cstdint>
#include <string>
#include <string_view>

#include "circles/storage/audit.hpp"
#include "circles/storage/keyring.hpp"
#include "circles/storage/store.hpp"
#include "circles/storage/types.hpp"
#include "store_common.hpp"

namespace circles::storage::detail {

// What an escalation read selects, in the order escalation_from reads it; each query adds
// its WHERE.
inline constexpr std::string_view escalation_select =
    "SELECT id, school_id, room_id, sender_id, coalesce(seq, 0), source, categories, rule_id,"
    " key_id, nonce, ciphertext, state, created_at_ms, page_level, next_page_at_ms,"
    " coalesce(acknowledged_by, 0), coalesce(acknowledged_at_ms, 0), coalesce(taken_by, 0),"
    " coalesce(taken_at_ms, 0), coalesce(resolved_by, 0), coalesce(resolved_at_ms, 0),"
    " coalesce(outcome, 0) FROM escalations";

// A row of escalation_select, its text still sealed.
struct escalation_row {
    escalation e;
    std::int64_t key_id = 0;
    sealed box;
};

template <class Int64, class Text, class Bytes>
escalation_row escalation_from(const Int64& int64, const Text& text, const Bytes& bytes) {
    escalation_row row;
    escalation& e = row.e;
    e.id = int64(0);
    e.school = int64(1);
    e.room = int64(2);
    e.sender = int64(3);
    e.seq = static_cast<seq_t>(int64(4));
    e.source = static_cast<escalation_source>(int64(5));
    e.categories = split_categories(text(6));
    e.rule_id = text(7);
    row.key_id = int64(8);
    row.box = sealed{bytes(9), bytes(10)};
    e.state = text(11);
    e.created_at_ms = int64(12);
    e.page_level = static_cast<int>(int64(13));
    e.next_page_at_ms = int64(14);
    e.acknowledged_by = int64(15);
    e.acknowledged_at_ms = int64(16);
    e.taken_by = int64(17);
    e.taken_at_ms = int64(18);
    e.resolved_by = int64(19);
    e.resolved_at_ms = int64(20);
    e.outcome = static_cast<int>(int64(21));
    return row;
}

// Opens the row's text with `load_key(room, key_id)` (a key_cache lookup); the escalation, or
// the error that kept its text closed (never unauthenticated text).
template <class LoadKey>
result<escalation> open_escalation(escalation_row row, const LoadKey& load_key) {
    auto text =
        open_row(load_key(row.e.room, row.key_id), row.box, escalation_ad(row.e.id, row.key_id));
    if (!text) return text.error();
    row.e.text = std::move(*text);
    return std::move(row.e);
}

// What both stores check before an acknowledgement: the escalation (errc::not_found when there
// is none), and that `counselor` is a counselor of its school (errc::not_permitted).
result<escalation> acknowledgeable(store& s, std::int64_t id, user_id counselor);

// The checks set_escalation_settings makes before touching the database.
bool valid_escalation_settings(const escalation_settings& s) noexcept;
// Builds escalation_settings::contacts from rows of "level, user_id ORDER BY level, user_id".
class contact_rows {
  public:
    void add(escalation_settings& s, std::int64_t level, user_id user) {
        if (level != last_level_) {
            s.contacts.emplace_back();
            last_level_ = level;
        }
        s.contacts.back().push_back(user);
    }

  private:
    std::int64_t last_level_ = -1;
};

// A level's users, each once (a user listed twice in one level is one contact).
std::vector<user_id> distinct_users(std::vector<user_id> level);

// The audit entries of paging. Ids and levels only: never text, never the webhook URL.
audit_record escalation_paged(const escalation& e, int level);
audit_record escalation_acknowledged(const escalation& e, user_id counselor);

}  // namespace circles::storage::detail
