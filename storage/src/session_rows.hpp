#pragma once
// What both stores do the same way for facilitated sessions, schedules and the group
// agreement: the text form of a schedule's slots in the database, the agreement version's
// shape, and the audit entries (which never hold message text).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "circles/storage/audit.hpp"
#include "circles/storage/types.hpp"

namespace circles::storage::detail {

// Slots as stored: "WEEKDAY START DURATION" per slot, ';' between ("2 730 40;4 730 40").
std::string format_slots(const std::vector<weekly_slot>& slots);
// nullopt for text that format_slots did not write (or slots out of range).
std::optional<std::vector<weekly_slot>> parse_slots(std::string_view text);

// 1-64 bytes of printable ASCII.
bool valid_agreement_version(std::string_view version) noexcept;

audit_record session_opened(school_id school, room_id room, user_id by, std::int64_t session);
audit_record session_closed(school_id school, room_id room, user_id by, std::int64_t session,
                            std::int64_t minutes);
audit_record agreement_accepted(school_id school, room_id room, user_id by,
                                std::string_view version);

}  // namespace circles::storage::detail
