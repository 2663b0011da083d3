#pragma once
// What both stores share about case handling: the checks on an update, how a state change
// reads, the sealing of notes and real names, and the audit entries. Entries name ids, states
// and outcomes; never a note, never a name.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "circles/storage/audit.hpp"
#include "circles/storage/keyring.hpp"
#include "circles/storage/types.hpp"

namespace circles::storage::detail {

// A known target state ("", "in_progress", "resolved"), an outcome exactly with "resolved",
// a note within limits::max_case_note_bytes of valid UTF-8, and something to do.
bool valid_case_update(const case_update& u) noexcept;

// What an update does to a case in `state`, as the SQL and the audit trail need it.
struct case_move {
    bool change = false;       // the state changes
    bool acknowledge = false;  // it was open: the counselor acknowledges it too
};
// errc::invalid_argument for a state change of a resolved case.
result<case_move> plan_case_move(const std::string& state, const case_update& u);

// The audit entries of an update: the acknowledgement (when it was open), the move
// ("escalation.in_progress", "escalation.resolved" with outcome=...), and "case.note".
std::vector<audit_record> case_entries(const escalation& e, const case_update& u,
                                       const case_move& move, std::int64_t note_id);

std::string case_note_ad(std::int64_t id, std::int64_t key_id);

// The key real names are sealed with: crypto_kdf subkey 1, context "cirNAMES", of master.key.
std::unique_ptr<secret_key> identity_key(const secret_key& master);
std::string identity_ad(user_id user);

audit_record identity_set(school_id school, user_id user, bool removed);
audit_record identity_revealed(const escalation& e, user_id counselor);

// The columns case_notes reads (with the escalation's room, for the key), in this order.
inline constexpr std::string_view case_note_select =
    "SELECT n.id, n.escalation_id, n.author_id, n.key_id, n.nonce, n.ciphertext,"
    " n.created_at_ms, e.room_id FROM case_notes n JOIN escalations e ON e.id = n.escalation_id";

}  // namespace circles::storage::detail
