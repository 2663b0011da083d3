#pragma once
// The text forms of presence in Redis (see presence_scripts.hpp): a member's value
// "role|display name", an entry id "room|node|user", and a change "K|room|node|user[|value]".
// The display name is the last field, so it may itself hold '|'.
#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "circles/rooms/presence.hpp"

namespace circles::cluster::detail {

template <class Int>
std::optional<Int> parse_number(std::string_view s) {
    Int v{};
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

std::string member_value(const rooms::member& m);
// nullopt for a value that is not "role|name" with a known role.
std::optional<rooms::member> parse_member(std::string_view value, storage::user_id id);

struct presence_change {
    char kind = 0;  // 'E' entered, 'X' exited, 'T' timed out
    storage::room_id room = 0;
    std::string node;
    storage::user_id user = 0;
    std::string_view value;  // "role|name" for E and T (may be empty for T)
};

// Parses a change from the channel, or an "E|id|value" rebuilt from a snapshot.
std::optional<presence_change> parse_change(std::string_view text);

}  // namespace circles::cluster::detail
