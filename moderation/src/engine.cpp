#include "circles/moderation/engine.hpp"

#include <algorithm>

#include "compiled_policy.hpp"
#include "lists.hpp"
#include "normalizer.hpp"

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

int rank(action a) { return static_cast<int>(a); }  // allow < mask < hold < block

std::string_view risk_category(std::size_t index) {
    const auto phrases = lists::risk_phrases();
    if (index < phrases.size()) return phrases[index].category;
    return "self_harm";  // symbols and doses
}

void add_category(decision& d, std::string_view c) {
    if (std::find(d.categories.begin(), d.categories.end(), c) == d.categories.end())
        d.categories.emplace_back(c);
}

std::string cite(const detail::compiled_policy& cp, int number) {
    if (const auto* g = cp.find_ground_rule(number))
        return "ground rule " + std::to_string(g->number) + ": " + g->text;
    return "the room's ground rules";
}

// Replaces every non-space code point that starts inside a span with '*'.
std::string mask(std::string_view text,
                 const std::vector<std::pair<std::uint32_t, std::uint32_t>>& spans) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t start = i;
        const char32_t cp = detail::decode_utf8(text, i);
        const bool hidden =
            cp != ' ' && std::any_of(spans.begin(), spans.end(), [&](const auto& s) {
                return s.first <= start && start < s.second;
            });
        if (hidden) {
            out += '*';
        } else {
            out.append(text.substr(start, i - start));
        }
    }
    return out;
}

}  // namespace

namespace {
const std::shared_ptr<const detail::compiled_policy>& default_compiled() {
    static const std::shared_ptr<const detail::compiled_policy> cp =
        detail::compile_policy(detail::default_policy_toml(), "default.toml (built-in)");
    return cp;
}
}  // namespace

policy::policy() : policy(default_compiled()) {}

policy::policy(std::shared_ptr<const detail::compiled_policy> impl) : impl_(std::move(impl)) {
    id = impl_->id;
    max_message_bytes = impl_->max_message_bytes;
}

const std::vector<ground_rule>& policy::ground_rules(std::string_view) const {
    return impl_->ground_rules;
}
const std::string& policy::crisis_reply() const { return impl_->crisis_reply; }
const flood_limits& policy::flood() const { return impl_->flood; }
int policy::flood_ground_rule() const { return impl_->flood_ground_rule; }
std::vector<std::string> policy::room_kinds() const {
    std::vector<std::string> out;
    for (const auto& [name, p] : impl_->kinds) out.push_back(name);
    return out;
}

namespace {
constexpr std::string_view held_notice = "Your message was held for review by a facilitator.";
}  // namespace

decision evaluate(const policy& p, const sender& who, std::string_view text) {
    return evaluate(p, std::string_view{}, who, text);
}

decision evaluate(const policy& p, std::string_view room_kind, const sender& /*who*/,
                  std::string_view text) {
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
    const auto& cp = p.compiled();
    const auto& preset = cp.for_kind(room_kind);
    thread_local detail::views views;  // this thread's buffers, reused message after message
    detail::classified hits;
    try {
        detail::normalize(text, views);
        hits = detail::classify(preset, detail::scan(preset, views), true);
    } catch (const std::exception& e) {  // a Hyperscan error (scan_error), memory, ICU
        // Fail closed: a facilitator reads what the rules could not.
        decision held;
        held.act = action::hold;
        held.rule_id = unscanned_rule;
        held.categories.emplace_back("unscanned");
        held.reply = held_notice;
        held.fault = e.what();
        return held;
    }

    decision d;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> masked;
    auto raise = [&](action a, const std::string& rule_id, int ground_rule) {
        if (rank(a) > rank(d.act)) {
            d.act = a;
            d.rule_id = rule_id;
            d.ground_rule = ground_rule;
        }
    };
    for (const auto& h : hits.rules) {
        const auto& ru = preset.rules[h.pat->index];
        if (ru.act == action::allow) continue;
        add_category(d, ru.category);
        raise(ru.act, ru.id, ru.ground_rule);
        if (ru.act == action::mask) masked.emplace_back(h.begin, h.end);
    }
    for (const auto& h : hits.contacts) {
        const std::size_t k = h.pat->index;
        if (!preset.contacts_on[k]) continue;
        const auto kind = static_cast<detail::contact_kind>(k);
        add_category(d, kind == detail::contact_kind::link
                            ? std::string("link")
                            : std::string("contact_") + to_string(kind));
        raise(preset.contacts[k], std::string("contact.") + to_string(kind),
              cp.contact_ground_rule);
        if (preset.contacts[k] == action::mask) masked.emplace_back(h.begin, h.end);
    }
    bool disclosure = false;
    std::string risk_rule;
    for (const auto& h : hits.risks) {
        const auto c = risk_category(h.pat->index);
        add_category(d, c);
        if (risk_rule.empty()) risk_rule = "risk." + std::string(c);
        disclosure = disclosure || c == "self_harm" || c == "abuse_disclosure";
        d.escalate = true;
    }
    // Never block a disclosure: it reaches facilitators and a counselor instead. Unless the
    // policy says otherwise, it waits for the facilitator rather than reaching the other
    // students at once (they may not be ready to read it; the facilitator decides).
    if (disclosure &&
        (d.act == action::block || (cp.hold_disclosures && rank(d.act) < rank(action::hold)))) {
        d.act = action::hold;
    }

    std::string notice;
    switch (d.act) {
        case action::allow:
            break;
        case action::mask:
            d.masked_text = mask(text, masked);
            notice = "Part of your message was hidden because of " + cite(cp, d.ground_rule) + ".";
            break;
        case action::hold:
            notice = held_notice;
            break;
        case action::block:
            notice = "Your message was not sent because it goes against " +
                     cite(cp, d.ground_rule) + ".";
            break;
    }
    if (d.escalate) {
        if (d.rule_id.empty()) d.rule_id = risk_rule;
        d.reply = cp.crisis_reply;
        if (!notice.empty()) d.reply += "\n\n" + notice;
    } else {
        d.reply = notice;
    }
    return d;
}

}  // namespace circles::moderation
