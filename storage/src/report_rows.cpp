#include "report_rows.hpp"

#include "circles/storage/limits.hpp"

namespace circles::storage {

const char* to_string(report_category c) noexcept {
    switch (c) {
        case report_category::unkind:
            return "unkind";
        case report_category::privacy:
            return "privacy";
        case report_category::safety:
            return "safety";
        case report_category::other:
            return "other";
    }
    return "unknown";
}

const char* to_string(report_state s) noexcept {
    switch (s) {
        case report_state::open:
            return "open";
        case report_state::dismissed:
            return "dismissed";
        case report_state::actioned:
            return "actioned";
    }
    return "unknown";
}

bool valid_report(const report_request& r) noexcept {
    const auto c = static_cast<int>(r.category);
    if (c < static_cast<int>(report_category::unkind) ||
        c > static_cast<int>(report_category::other)) {
        return false;
    }
    return r.room > 0 && r.seq > 0 && r.reporter > 0 && r.escalation_id >= 0 &&
           r.note.size() <= limits::max_report_note_bytes && detail::valid_utf8(r.note);
}

namespace detail {

std::string report_ad(std::int64_t id, std::int64_t key_id) {
    return "report|" + std::to_string(id) + "|" + std::to_string(key_id);
}

namespace {

std::string message_target(const report& r) {
    return "message:" + std::to_string(r.room) + ":" + std::to_string(r.seq);
}

}  // namespace

audit_record report_filed(school_id school, const report& r) {
    std::string detail = "report=" + std::to_string(r.id) + " category=" + to_string(r.category);
    if (r.escalation_id) detail += " escalation=" + std::to_string(r.escalation_id);
    return {school, r.reporter, "report.filed", r.room, message_target(r), std::move(detail)};
}

audit_record report_settled(school_id school, const report& r, user_id by) {
    return {school,
            by,
            std::string("report.") + to_string(r.state),
            r.room,
            message_target(r),
            "report=" + std::to_string(r.id)};
}

}  // namespace detail
}  // namespace circles::storage
