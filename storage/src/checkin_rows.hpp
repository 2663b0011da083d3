#pragma once
// What both stores share about check-in rounds: the associated data a sealed word is bound to,
// and the columns an answer read selects.
#include <cstdint>
#include <string>
#include <string_view>

#include "circles/storage/types.hpp"

namespace circles::storage::detail {

// Associated data of an answer's sealed word ("checkin|round|user|key_id").
std::string checkin_ad(std::int64_t round, user_id user, std::int64_t key_id);

// What an answer read selects, in this order; the query adds "WHERE round_id = ...".
inline constexpr std::string_view checkin_answer_select =
    "SELECT user_id, mood, passed, key_id, nonce, ciphertext, answered_at_ms FROM checkin_answers";

// Counts of a round's answers: with a mood, and passed.
inline constexpr std::string_view checkin_count_select =
    "SELECT coalesce(sum(1 - passed), 0), coalesce(sum(passed), 0) FROM checkin_answers";

}  // namespace circles::storage::detail
