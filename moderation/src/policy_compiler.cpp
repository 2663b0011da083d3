// Turns a preset's rules, the contact-detail detectors, the risk lexicon and the protected
// terms into Hyperscan databases (one per view), and maps scan hits back to the original text.
#include <unicode/uchar.h>

#include <algorithm>

#include "compiled_policy.hpp"
#include "contacts.hpp"
#include "lists.hpp"
#include "normalizer.hpp"

namespace circles::moderation::detail {
namespace {

// A phrase "(a|b) c(d|)" as segments of alternatives: {a,b}, {" c"}, {d,""}.
using segments = std::vector<std::vector<std::string>>;
segments parse_phrase(std::string_view phrase) {
    segments out;
    std::size_t i = 0;
    while (i < phrase.size()) {
        if (phrase[i] == '(') {
            std::size_t close = phrase.find(')', i);
            if (close == std::string_view::npos) close = phrase.size();
            std::vector<std::string> alts;
            const std::string_view body = phrase.substr(i + 1, close - i - 1);
            std::size_t start = 0;
            for (std::size_t k = 0; k <= body.size(); ++k) {
                if (k == body.size() || body[k] == '|') {
                    alts.emplace_back(body.substr(start, k - start));
                    start = k + 1;
                }
            }
            out.push_back(std::move(alts));
            i = close + 1;
        } else {
            const std::size_t next = std::min(phrase.find('(', i), phrase.size());
            out.push_back({std::string(phrase.substr(i, next - i))});
            i = next;
        }
    }
    return out;
}

// The word-view form of one piece of a phrase, keeping a leading / trailing space.
std::string word_piece(std::string_view piece) {
    if (piece.empty()) return {};
    const std::string core = pattern_word(piece);
    const bool lead = piece.front() == ' ', trail = piece.back() == ' ';
    if (core.empty()) return (lead || trail) ? " " : "";
    return (lead ? " " : "") + core + (trail ? " " : "");
}

std::string escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x80 && !std::isalnum(u)) out += '\\';
        out += c;
    }
    return out;
}

bool word_char_at(std::string_view s, bool front) {
    if (s.empty()) return false;
    std::size_t i = 0;
    char32_t cp = 0;
    if (front) {
        cp = decode_utf8(s, i);
    } else {
        std::size_t k = s.size() - 1;
        while (k > 0 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
        i = k;
        cp = decode_utf8(s, i);
    }
    return u_isalnum(static_cast<UChar32>(cp));
}

struct builder {
    std::vector<expression> exprs;
    std::vector<pattern> pats;
    std::vector<int> lines;

    void add(std::string regex, unsigned flags, pattern p, int line) {
        // Start of match only where a span is needed: masking, allow-lists, squeezed
        // alignment. Risk hits on the word and plain views only need to exist.
        const bool som = !(p.k == pattern::kind::risk && p.view != view_id::squeezed);
        exprs.push_back({std::move(regex), flags | (som ? HS_FLAG_SOM_LEFTMOST : 0u),
                         static_cast<unsigned>(pats.size())});
        pats.push_back(p);
        lines.push_back(line);
    }

    // A keyword or phrase (with "(a|b)" groups and `*` ends) on the word view, and when
    // `squeeze_min` > 0 also on the squeezed view. Groups stay groups in the regex (a cross
    // product of forms makes Hyperscan's compile time explode).
    void keyword(std::string_view text, pattern p, int line, std::size_t squeeze_min,
                 bool squeeze_needs_separator) {
        segments segs = parse_phrase(text);
        if (segs.empty()) return;
        bool open_left = false, open_right = false;
        std::string word_re, sq_re;
        std::size_t sq_len = 0;
        std::vector<char> prev_last;  // last letters the previous group can end with
        for (std::size_t k = 0; k < segs.size(); ++k) {
            std::vector<std::string> words, squeezed;
            std::vector<char> last;
            std::size_t min_len = std::string::npos;
            bool can_be_empty = false;
            for (std::string alt : segs[k]) {
                bool l = false, r = false;
                if (k == 0 && !alt.empty() && alt.front() == '*') l = true, alt.erase(alt.begin());
                if (k + 1 == segs.size() && !alt.empty() && alt.back() == '*')
                    r = true, alt.pop_back();
                open_left = open_left || l;
                open_right = open_right || r;
                std::string w = word_piece(alt);
                std::string re = escape(w);
                if (k == 0 && !l && word_char_at(w, true)) re = "\\b" + re;
                if (k + 1 == segs.size() && !r && word_char_at(w, false)) re += "\\b";
                words.push_back(re);
                const std::string sq = pattern_squeezed(alt);
                min_len = std::min(min_len, sq.size());
                if (sq.empty()) {
                    can_be_empty = true;
                    squeezed.emplace_back();
                    continue;
                }
                squeezed.push_back(escape(sq));
                // "want" + "to" squeezes to "wanto": the joined letter may be gone.
                if (std::find(prev_last.begin(), prev_last.end(), sq.front()) != prev_last.end() &&
                    sq.size() > 1)
                    squeezed.push_back(escape(sq.substr(1)));
                last.push_back(sq.back());
            }
            word_re += alternation(words);
            sq_re += alternation(squeezed);
            sq_len += min_len == std::string::npos ? 0 : min_len;
            if (can_be_empty) last.insert(last.end(), prev_last.begin(), prev_last.end());
            prev_last = std::move(last);
        }
        p.view = view_id::word;
        add(word_re, 0, p, line);
        if (squeeze_min > 0 && sq_len >= squeeze_min) {
            p.view = view_id::squeezed;
            p.needs_separator = squeeze_needs_separator;
            p.left_bound = !open_left;
            p.right_bound = !open_right;
            add(sq_re, 0, p, line);
        }
    }

    static std::string alternation(std::vector<std::string> v) {
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
        if (v.size() == 1) return v.front();
        const bool optional = !v.empty() && v.front().empty();
        if (optional) v.erase(v.begin());
        std::string out = "(?:";
        for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "|" : "") + v[i];
        return out + (optional ? ")?" : ")");
    }
};

// High-severity ground-rule terms are squeezed only from this many letters, so short
// squeezed forms cannot fire inside ordinary words or across word joins.
constexpr std::size_t rule_squeeze_min = 4;
constexpr std::size_t risk_squeeze_min = 3;

}  // namespace

const char* to_string(contact_kind k) noexcept {
    switch (k) {
        case contact_kind::phone:
            return "phone";
        case contact_kind::email:
            return "email";
        case contact_kind::handle:
            return "handle";
        case contact_kind::address:
            return "address";
        case contact_kind::link:
            return "link";
    }
    return "unknown";
}

void compile_preset(preset& p, const std::string& file) {
    builder b;
    using K = pattern::kind;
    for (std::size_t r = 0; r < p.rules.size(); ++r) {
        const rule& ru = p.rules[r];
        for (const auto& kw : ru.keywords)
            b.keyword(kw, {K::rule, view_id::word, r}, ru.line, ru.squeezed ? rule_squeeze_min : 0,
                      true);
        for (std::size_t k = 0; k < ru.regexes.size(); ++k)
            b.add(ru.regexes[k], HS_FLAG_CASELESS, {K::rule, view_id::plain, r},
                  k < ru.regex_lines.size() ? ru.regex_lines[k] : ru.line);
        for (const auto& a : ru.allow)
            b.keyword(a, {K::rule_allow, view_id::word, r}, ru.line, 0, false);
    }
    for (const auto& a : p.allow) b.keyword(a, {K::room_allow, view_id::word, 0}, 0, 0, false);
    for (auto t : lists::protected_terms())
        b.keyword(t, {K::protected_term, view_id::word, 0}, 0, 0, false);
    const auto risks = lists::risk_phrases();
    for (std::size_t i = 0; i < risks.size(); ++i)
        b.keyword(risks[i].phrase, {K::risk, view_id::word, i}, 0, risk_squeeze_min, false);
    const auto symbols = lists::risk_symbols();
    for (std::size_t i = 0; i < symbols.size(); ++i)
        b.add(escape(symbols[i].phrase), 0, {K::risk, view_id::plain, risks.size() + i}, 0);
    // Doses ("800mg", "500 mg") count as method words.
    b.add("\\b\\d{2,4}\\s?mgs?\\b", 0, {K::risk, view_id::plain, risks.size() + symbols.size()}, 0);
    for (const auto& c : contact_patterns())
        b.add(c.regex, HS_FLAG_CASELESS,
              {K::contact, view_id::plain, static_cast<std::size_t>(c.kind)}, 0);
    try {
        std::array<std::vector<expression>, std::tuple_size_v<decltype(p.dbs)>> by_view;
        for (std::size_t i = 0; i < b.exprs.size(); ++i)
            by_view[static_cast<std::size_t>(b.pats[i].view)].push_back(b.exprs[i]);
        for (std::size_t v = 0; v < by_view.size(); ++v) {
            if (!by_view[v].empty()) p.dbs[v] = std::make_unique<matcher>(by_view[v]);
        }
    } catch (const compile_error& e) {
        const int line = e.index < b.lines.size() ? b.lines[e.index] : 0;
        const std::string what = e.index < b.exprs.size()
                                     ? "pattern '" + b.exprs[e.index].regex + "' does not compile: "
                                     : "patterns do not compile: ";
        throw policy_error(file, line, what + e.what());
    }
    p.patterns = std::move(b.pats);

    // No rule may stop a protected identity term, in any of the usual sentences.
    for (auto term : lists::protected_terms()) {
        for (auto tmpl : lists::protected_templates()) {
            std::string sentence(tmpl);
            sentence.replace(sentence.find("{}"), 2, term);
            const auto v = normalize(sentence);
            const auto c = classify(p, scan(p, v), false);
            for (const auto& h : c.rules) {
                const rule& ru = p.rules[h.pat->index];
                if (ru.act == action::allow) continue;
                throw policy_error(
                    file, ru.line,
                    "rule '" + ru.id + "'" + (p.name.empty() ? "" : " (room kind " + p.name + ")") +
                        " would " + to_string(ru.act) + " the protected identity term '" +
                        std::string(term) + "' (in \"" + sentence + "\")");
            }
        }
    }
}

std::vector<hit> scan(const preset& p, const views& v) {
    std::vector<hit> hits;
    // Each view's text against its own database; hits come view by view (classify does not
    // depend on their order).
    const auto each_match = [&](view_id which, const view& in, const auto& place) {
        const auto& db = p.dbs[static_cast<std::size_t>(which)];
        if (!db || in.text.empty()) return;
        auto on_match = [&](unsigned id, unsigned long long from, unsigned long long to) {
            if (to <= from || id >= p.patterns.size()) return;
            const pattern& pat = p.patterns[id];
            // Risk patterns on the plain and word views run without start of match (from =
            // 0): place them by their end; their span is not used.
            if (pat.k == pattern::kind::risk && which != view_id::squeezed) from = to - 1;
            place(pat, static_cast<std::size_t>(from), static_cast<std::size_t>(to));
        };
        db->scan(in.text, on_match);
    };
    // A plain or word hit maps straight back through its view's byte map.
    const auto mapped_by = [&](const view& in) {
        return [&hits, &in](const pattern& pat, std::size_t from, std::size_t to) {
            hits.push_back({&pat, in.begin[from], in.end[to - 1]});
        };
    };
    each_match(view_id::plain, v.plain, mapped_by(v.plain));
    each_match(view_id::word, v.word, mapped_by(v.word));
    each_match(view_id::squeezed, v.squeezed,
               [&](const pattern& pat, std::size_t from, std::size_t to) {
                   std::size_t wb = v.squeezed.begin[from];
                   std::size_t we = v.squeezed.end[to - 1];
                   const auto& tok = v.word_is_token;
                   // A letter repeated across a word join is one squeezed letter ("to o v e
                   // r" -> "toverdose"): the hit then starts after the last separator inside
                   // its first letter, and ends before the first separator inside its last.
                   for (std::size_t k = v.squeezed.end[from]; k > wb; --k)
                       if (!tok[k - 1]) {
                           wb = k;
                           break;
                       }
                   for (std::size_t k = v.squeezed.begin[to - 1]; k < we; ++k)
                       if (!tok[k]) {
                           we = k;
                           break;
                       }
                   if (pat.left_bound && wb > 0 && tok[wb - 1]) return;
                   if (pat.right_bound && we < tok.size() && tok[we]) return;
                   if (pat.needs_separator && std::all_of(tok.begin() + wb, tok.begin() + we,
                                                          [](std::uint8_t t) { return t != 0; }))
                       return;
                   hits.push_back({&pat, v.word.begin[wb], v.word.end[we - 1]});
               });
    return hits;
}

classified classify(const preset& p, const std::vector<hit>& hits, bool protect) {
    classified out;
    auto inside = [&](const hit& h, auto&& pred) {
        return std::any_of(hits.begin(), hits.end(), [&](const hit& a) {
            return pred(*a.pat) && a.begin <= h.begin && h.end <= a.end;
        });
    };
    using K = pattern::kind;
    for (const hit& h : hits) {
        switch (h.pat->k) {
            case K::rule: {
                const std::size_t r = h.pat->index;
                const bool allowed = inside(h, [&](const pattern& a) {
                    return (a.k == K::rule_allow && a.index == r) || a.k == K::room_allow ||
                           (protect && a.k == K::protected_term);
                });
                if (!allowed) out.rules.push_back(h);
                break;
            }
            case K::contact:
                out.contacts.push_back(h);
                break;
            case K::risk:
                out.risks.push_back(h);
                break;
            default:
                break;
        }
    }
    return out;
}

}  // namespace circles::moderation::detail
