#include "action_rows.hpp"

#include <algorithm>
#include <string>

#include "circles/storage/limits.hpp"
#include "store_common.hpp"

namespace circles::storage {

bool valid_citation(const citation& c) noexcept {
    if (c.ground_rule < 1 || c.ground_rule > limits::max_ground_rule) return false;
    const auto& r = c.reason;
    if (r.empty() || r.size() > limits::max_reason_bytes || !detail::valid_utf8(r)) return false;
    // One line of text: no control characters (a newline would forge a second audit field).
    return std::none_of(r.begin(), r.end(), [](char ch) {
        const auto u = static_cast<unsigned char>(ch);
        return u < 0x20 || u == 0x7f;
    });
}

namespace detail {

namespace {

std::string cited(std::string fields, const citation& why) {
    if (!fields.empty()) fields += ' ';
    return fields + "ground_rule=" + std::to_string(why.ground_rule) + " reason=" + why.reason;
}

}  // namespace

audit_record message_moderated(school_id school, room_id room, user_id by, seq_t seq,
                               message_status to, const citation& why) {
    return {school,
            by,
            to == message_status::visible ? "message.approved" : "message.removed",
            room,
            "message:" + std::to_string(room) + ":" + std::to_string(seq),
            cited("", why)};
}

audit_record controls_set(school_id school, room_id room, user_id by, const room_controls& c,
                          const citation& why) {
    return {school,
            by,
            "room.controls",
            room,
            "room:" + std::to_string(room),
            cited(std::string("locked=") + (c.locked ? "1" : "0") +
                      " slow_mode_seconds=" + std::to_string(c.slow_mode_seconds),
                  why)};
}

audit_record member_muted(school_id school, room_id room, user_id by, user_id member,
                          std::int64_t seconds, const citation& why) {
    return {school,
            by,
            seconds > 0 ? "member.muted" : "member.unmuted",
            room,
            "user:" + std::to_string(member),
            cited(seconds > 0 ? "seconds=" + std::to_string(seconds) : "", why)};
}

audit_record member_expelled(school_id school, room_id room, user_id by, user_id member,
                             const citation& why) {
    return {school, by, "member.removed", room, "user:" + std::to_string(member), cited("", why)};
}

bool moderation_move_allowed(message_status from, message_status to) noexcept {
    if (from == message_status::held) return to != message_status::held;
    return from == message_status::visible && to == message_status::removed;
}

}  // namespace detail
}  // namespace circles::storage
