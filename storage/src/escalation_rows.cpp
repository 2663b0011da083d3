#include "escalation_rows.hpp"

#include <algorithm>

#include "circles/storage/limits.hpp"

namespace circles::storage::detail {

bool valid_escalation_settings(const escalation_settings& s) noexcept {
    if (s.school <= 0 || s.ack_deadline_ms < limits::min_ack_deadline.count() ||
        s.ack_deadline_ms > limits::max_ack_deadline.count()) {
        return false;
    }
    if (!s.webhook_url.empty() && (!valid_text(s.webhook_url, limits::max_webhook_url_bytes) ||
                                   !s.webhook_url.starts_with("http://"))) {
        return false;
    }
    if (s.contacts.size() > limits::max_contact_levels) return false;
    for (const auto& level : s.contacts) {
        if (level.empty() || level.size() > limits::max_contacts_per_level) return false;
        for (const auto id : level) {
            if (id <= 0) return false;
        }
    }
    return true;
}

std::vector<user_id> distinct_users(std::vector<user_id> level) {
    std::sort(level.begin(), level.end());
    level.erase(std::unique(level.begin(), level.end()), level.end());
    return level;
}

result<escalation> acknowledgeable(store& s, std::int64_t id, user_id counselor) {
    auto e = s.get_escalation(id);
    if (!e) return e.error();
    auto who = s.get_user(counselor);
    if (!who && who.error() != errc::not_found) return who.error();
    if (!who || who->user_role != role::counselor || who->school != e->school) {
        return errc::not_permitted;
    }
    return e;
}

audit_record escalation_paged(const escalation& e, int level) {
    return {e.school,
            0,
            "escalation.paged",
            e.room,
            "escalation:" + std::to_string(e.id),
            "level=" + std::to_string(level)};
}

audit_record escalation_acknowledged(const escalation& e, user_id counselor) {
    return {e.school,
            counselor,
            "escalation.acknowledged",
            e.room,
            "escalation:" + std::to_string(e.id),
            "level=" + std::to_string(e.page_level)};
}

}  // namespace circles::storage::detail
