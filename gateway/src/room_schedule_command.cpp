// `circles admin room-schedule`: when a room meets each week (see admin_command.hpp).
#include <algorithm>
#include <array>
#include <charconv>
#include <ostream>
#include <stdexcept>

#include "circles/gateway/admin_command.hpp"
#include "circles/gateway/command_line.hpp"

namespace circles::gateway {
namespace {

constexpr std::array<const char*, 7> day_names = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

std::string trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(" \t");
    return std::string(s.substr(b, e - b + 1));
}

int number(std::string_view s, int min, int max, const std::string& slot, const char* what) {
    int v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < min || v > max) {
        throw std::invalid_argument("--slots: '" + slot + "': " + what);
    }
    return v;
}

storage::weekly_slot parse_slot(const std::string& slot) {
    // DAY HH:MM MINUTES
    const auto first = slot.find(' ');
    const auto last = slot.rfind(' ');
    if (first == std::string::npos || first == last) {
        throw std::invalid_argument("--slots: '" + slot +
                                    "': write each slot as DAY HH:MM MINUTES (tue 12:10 40)");
    }
    std::string day = slot.substr(0, first);
    std::transform(day.begin(), day.end(), day.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto d = std::find(day_names.begin(), day_names.end(), day.substr(0, 3));
    if (day.size() < 3 || d == day_names.end()) {
        throw std::invalid_argument("--slots: '" + slot + "': the day is one of mon..sun");
    }
    const auto time = trim(std::string_view(slot).substr(first + 1, last - first - 1));
    const auto colon = time.find(':');
    if (colon == std::string::npos) {
        throw std::invalid_argument("--slots: '" + slot + "': the time is HH:MM (24-hour)");
    }
    const int hours =
        number(std::string_view(time).substr(0, colon), 0, 23, slot, "the hour is 0-23");
    const int minutes =
        number(std::string_view(time).substr(colon + 1), 0, 59, slot, "the minute is 0-59");
    const int duration = number(std::string_view(slot).substr(last + 1), 1, 720, slot,
                                "the length is 1-720 minutes");
    return {static_cast<int>(d - day_names.begin()) + 1, hours * 60 + minutes, duration};
}

}  // namespace

std::vector<storage::weekly_slot> parse_weekly_slots(const std::string& text) {
    std::vector<storage::weekly_slot> out;
    if (const auto whole = trim(text); whole.empty() || whole == "none") return out;
    for (const auto& slot : split_list(text, ',', true)) {  // items come trimmed
        if (slot.empty()) throw std::invalid_argument("--slots: an empty slot (two commas)");
        out.push_back(parse_slot(slot));
    }
    if (out.size() > storage::max_schedule_slots) {
        throw std::invalid_argument("--slots: at most " +
                                    std::to_string(storage::max_schedule_slots) + " slots");
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return std::pair(a.weekday, a.start_minute) < std::pair(b.weekday, b.start_minute);
    });
    return out;
}

std::string format_weekly_slots(const std::vector<storage::weekly_slot>& slots) {
    std::string out;
    for (const auto& s : slots) {
        if (!out.empty()) out += ", ";
        char time[16];
        std::snprintf(time, sizeof time, "%02d:%02d", s.start_minute / 60, s.start_minute % 60);
        out += std::string(day_names.at(static_cast<std::size_t>(s.weekday - 1))) + ' ' + time +
               ' ' + std::to_string(s.duration_minutes);
    }
    return out;
}

int run_room_schedule(std::vector<std::string> args, std::ostream& out) {
    const auto room_text = take_option(args, "--room");
    const auto where = take_store_choice(args, "room-schedule");
    const auto zone = take_option(args, "--time-zone");
    const auto slots_text = take_option(args, "--slots");
    no_more_args(args);
    if (room_text.empty()) throw std::invalid_argument("room-schedule needs --room ID");
    const auto room_id = static_cast<storage::room_id>(
        parse_count("--room", room_text, 1, static_cast<std::size_t>(INT64_MAX)));
    // Checked before the store opens: a typo is reported without touching the database.
    std::optional<std::vector<storage::weekly_slot>> slots;
    if (!slots_text.empty()) slots = parse_weekly_slots(slots_text);
    if (!zone.empty() && !storage::valid_schedule({zone, {}})) {
        throw std::invalid_argument("--time-zone: '" + zone +
                                    "' is not an IANA zone name (Europe/London)");
    }

    auto store = open_chosen_store(where);
    auto room = store->get_room(room_id);
    if (!room) throw std::runtime_error("room-schedule: no room " + room_text);
    auto schedule = must(store->schedule_of(room_id), "room-schedule: cannot read the schedule");
    if (!zone.empty()) schedule.time_zone = zone;
    if (slots) schedule.slots = std::move(*slots);
    if (!zone.empty() || !slots_text.empty()) {
        must(store->set_schedule(room_id, schedule), "room-schedule");
    }
    out << "room " << room->id << " (" << room->name << "): "
        << (schedule.slots.empty() ? "no weekly sessions" : format_weekly_slots(schedule.slots))
        << ", time zone " << schedule.time_zone << "\n";
    return 0;
}

}  // namespace circles::gateway
