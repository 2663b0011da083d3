#include "circles/bench/message_tag.hpp"

#include <algorithm>
#include <charconv>

namespace circles::bench {

namespace {

constexpr std::string_view prefix = "b1.";

template <class T>
bool take_number(std::string_view& text, T& out, bool last) {
    const auto end = last ? text.size() : text.find('.');
    if (end == std::string_view::npos || end == 0) return false;
    const auto* first = text.data();
    const auto [ptr, ec] = std::from_chars(first, first + end, out);
    if (ec != std::errc{} || ptr != first + end) return false;
    text.remove_prefix(last ? end : end + 1);
    return true;
}

}  // namespace

std::string format_tag(const message_tag& tag) {
    std::string out(prefix);
    out += std::to_string(tag.sender);
    out += '.';
    out += std::to_string(tag.seq);
    out += '.';
    out += std::to_string(tag.sent_ns);
    return out;
}

std::optional<message_tag> parse_tag(std::string_view text) {
    if (!text.starts_with(prefix)) return std::nullopt;
    text.remove_prefix(prefix.size());
    message_tag tag;
    if (!take_number(text, tag.sender, false) || !take_number(text, tag.seq, false) ||
        !take_number(text, tag.sent_ns, true) || tag.sent_ns < 0) {
        return std::nullopt;
    }
    return tag;
}

std::string varied_text(std::string_view text, std::uint64_t seq) {
    // Letters only: digits could read as a phone number to the moderation engine.
    std::string word = "msg";
    do {
        word += static_cast<char>('a' + seq % 26);
        seq /= 26;
    } while (seq > 0);
    std::string out = word + ' ';
    out.append(text.substr(0, text.size() > out.size() ? text.size() - out.size() : 0));
    return out;
}

std::string filler_text(std::size_t bytes) {
    constexpr std::string_view words =
        "hello everyone, this is a practice message from the load test and it says nothing "
        "at all, ";
    bytes = std::max<std::size_t>(bytes, 5);
    std::string out;
    out.reserve(bytes);
    while (out.size() < bytes)
        out.append(words.substr(0, std::min(words.size(), bytes - out.size())));
    return out;
}

}  // namespace circles::bench
