#pragma once
// Who may see which message. Visible and removed messages (the latter without their text) are
// for everyone in the room; a held message is for the room's facilitators (and counselors and
// admins) and for its own sender, who sees it marked as held. Everyone else never receives it,
// not even its text in a frame: a connection skips its seq.
#include "circles/storage/types.hpp"

namespace circles::rooms {

inline bool moderates(storage::role r) noexcept {
    return r == storage::role::facilitator || r == storage::role::counselor ||
           r == storage::role::admin;
}

inline bool visible_to(storage::message_status status, storage::user_id sender,
                       const storage::user& viewer) noexcept {
    if (status != storage::message_status::held) return true;
    return sender == viewer.id || moderates(viewer.user_role);
}

}  // namespace circles::rooms
