#include "session_rows.hpp"

#include <algorithm>
#include <charconv>

namespace circles::storage {

bool valid_schedule(const room_schedule& s) noexcept {
    const auto& tz = s.time_zone;
    if (tz.empty() || tz.size() > 64) return false;
    const bool shape = std::all_of(tz.begin(), tz.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '/' || c == '_' || c == '-' || c == '+';
    });
    if (!shape || s.slots.size() > max_schedule_slots) return false;
    return std::all_of(s.slots.begin(), s.slots.end(), [](const weekly_slot& w) {
        return w.weekday >= 1 && w.weekday <= 7 && w.start_minute >= 0 &&
               w.start_minute < 24 * 60 && w.duration_minutes >= 1 && w.duration_minutes <= 720;
    });
}

namespace detail {

std::string format_slots(const std::vector<weekly_slot>& slots) {
    std::string out;
    for (const auto& s : slots) {
        if (!out.empty()) out += ';';
        out += std::to_string(s.weekday) + ' ' + std::to_string(s.start_minute) + ' ' +
               std::to_string(s.duration_minutes);
    }
    return out;
}

std::optional<std::vector<weekly_slot>> parse_slots(std::string_view text) {
    std::vector<weekly_slot> out;
    while (!text.empty()) {
        const auto end = text.find(';');
        const auto item = text.substr(0, end);
        int fields[3] = {};
        const char* p = item.data();
        const char* last = item.data() + item.size();
        for (int i = 0; i < 3; ++i) {
            if (i > 0) {
                if (p == last || *p != ' ') return std::nullopt;
                ++p;
            }
            auto [next, ec] = std::from_chars(p, last, fields[i]);
            if (ec != std::errc()) return std::nullopt;
            p = next;
        }
        if (p != last) return std::nullopt;
        out.push_back({fields[0], fields[1], fields[2]});
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    if (!valid_schedule({"UTC", out})) return std::nullopt;
    return out;
}

bool valid_agreement_version(std::string_view version) noexcept {
    return !version.empty() && version.size() <= 64 &&
           std::all_of(version.begin(), version.end(), [](char c) { return c > ' ' && c < 127; });
}

audit_record session_opened(school_id school, room_id room, user_id by, std::int64_t session) {
    return {school, by, "session.opened", room, "session:" + std::to_string(session), ""};
}

audit_record session_closed(school_id school, room_id room, user_id by, std::int64_t session,
                            std::int64_t minutes) {
    return {school,
            by,
            "session.closed",
            room,
            "session:" + std::to_string(session),
            "minutes=" + std::to_string(minutes)};
}

audit_record agreement_accepted(school_id school, room_id room, user_id by,
                                std::string_view version) {
    return {school,
            by,
            "agreement.accepted",
            room,
            "user:" + std::to_string(by),
            "version=" + std::string(version)};
}

}  // namespace detail
}  // namespace circles::storage
