#include "circles/moderation/engine.hpp"

#include <algorithm>

namespace circles::moderation {

const char* to_string(action a) noexcept {
    switch (a) {
        case action::allow:
            return "allow";
        case action::mask:
            return "mask";
        case action::hold:
            return "hold";
        case action::block:
            return "block";
    }
    return "unknown";
}

bool valid_utf8(std::string_view text) noexcept {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len;
        char32_t cp;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n) return false;
        for (std::size_t k = 1; k < len; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        static constexpr char32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += len;
    }
    return true;
}

namespace {

// Whitespace and invisible characters only: ASCII space and controls, the Unicode space
// separators (no-break, en/em, thin, ideographic, ...), line and paragraph separators, and
// zero-width characters. Such a message shows as nothing. Expects valid UTF-8.
bool blank(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    std::size_t i = 0;
    while (i < text.size()) {
        const unsigned char c = s[i];
        char32_t cp;
        std::size_t len;
        if (c < 0x80) {
            cp = c;
            len = 1;
        } else if ((c & 0xE0) == 0xC0) {
            cp = c & 0x1F;
            len = 2;
        } else if ((c & 0xF0) == 0xE0) {
            cp = c & 0x0F;
            len = 3;
        } else {
            cp = c & 0x07;
            len = 4;
        }
        for (std::size_t k = 1; k < len && i + k < text.size(); ++k)
            cp = (cp << 6) | (s[i + k] & 0x3F);
        const bool space = cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 ||
                           cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200D) || cp == 0x2028 ||
                           cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x2060 ||
                           cp == 0x3000 || cp == 0xFEFF;
        if (!space) return false;
        i += len;
    }
    return true;
}

decision stopped(limit_violation v, std::string reply) {
    decision d;
    d.act = action::block;
    d.limit = v;
    d.reply = std::move(reply);
    return d;
}

}  // namespace

decision evaluate(const policy& p, const sender& /*who*/, std::string_view text) {
    if (text.size() > p.max_message_bytes) {
        return stopped(limit_violation::too_large,
                       "That message is too long to send. Try splitting it into parts.");
    }
    if (!valid_utf8(text)) {
        return stopped(limit_violation::invalid_utf8, "That message could not be read.");
    }
    if (blank(text)) {
        return stopped(limit_violation::empty, "There is nothing to send.");
    }
    return {};
}

}  // namespace circles::moderation
