#include "presence_codec.hpp"

namespace circles::cluster::detail {

namespace {

// Splits off the next '|'-separated field.
std::string_view next_field(std::string_view& s) {
    const auto bar = s.find('|');
    auto head = s.substr(0, bar);
    s = bar == std::string_view::npos ? std::string_view{} : s.substr(bar + 1);
    return head;
}

}  // namespace

std::string member_value(const rooms::member& m) {
    return std::to_string(static_cast<int>(m.user_role)) + "|" + m.display_name;
}

std::optional<rooms::member> parse_member(std::string_view value, storage::user_id id) {
    const auto bar = value.find('|');
    if (bar == std::string_view::npos) return std::nullopt;
    const auto r = parse_number<int>(value.substr(0, bar));
    if (!r || *r < static_cast<int>(storage::role::student) ||
        *r > static_cast<int>(storage::role::admin)) {
        return std::nullopt;
    }
    return rooms::member{id, std::string(value.substr(bar + 1)), static_cast<storage::role>(*r)};
}

std::optional<presence_change> parse_change(std::string_view text) {
    presence_change c;
    const auto kind = next_field(text);
    if (kind != "E" && kind != "X" && kind != "T") return std::nullopt;
    c.kind = kind.front();
    const auto room = parse_number<storage::room_id>(next_field(text));
    c.node = std::string(next_field(text));
    const auto user = parse_number<storage::user_id>(next_field(text));
    if (!room || !user || c.node.empty()) return std::nullopt;
    c.room = *room;
    c.user = *user;
    c.value = text;
    return c;
}

}  // namespace circles::cluster::detail
