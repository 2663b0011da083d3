#pragma once
// What both stores do the same way for facilitator actions: the audit entries, each naming
// the ground rule cited and the facilitator's reason after every other field (so a reason
// with spaces still parses), never message text.
#include <string_view>

#include "circles/storage/audit.hpp"
#include "circles/storage/types.hpp"

namespace circles::storage::detail {

audit_record message_moderated(school_id school, room_id room, user_id by, seq_t seq,
                               message_status to, const citation& why);
audit_record controls_set(school_id school, room_id room, user_id by, const room_controls& c,
                          const citation& why);
// until_ms 0: the mute was lifted. `seconds`: how long it was set for.
audit_record member_muted(school_id school, room_id room, user_id by, user_id member,
                          std::int64_t seconds, const citation& why);
audit_record member_expelled(school_id school, room_id room, user_id by, user_id member,
                             const citation& why);

// The moves moderate_message allows: held -> visible, held or visible -> removed.
bool moderation_move_allowed(message_status from, message_status to) noexcept;

}  // namespace circles::storage::detail
