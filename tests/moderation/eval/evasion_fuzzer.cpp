#include "evasion_fuzzer.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

#include "normalizer.hpp"  // the engine's UTF-8 codec

namespace circles::moderation::eval {
namespace {

// Stems of risk words; a word whose letters start with one is a target word.
constexpr std::string_view risk_stems[] = {
    "kill",    "die",     "dying",    "dead",   "death",  "suicid",  "cut",      "pill",
    "med",     "kms",     "kys",      "unaliv", "hurt",   "harm",    "end",      "knife",
    "gun",     "shoot",   "stab",     "hang",   "noose",  "rope",    "jump",     "overdos",
    "rape",    "touch",   "hit",      "beat",   "abus",   "assault", "blade",    "razor",
    "wrist",   "slit",    "bridge",   "bomb",   "fire",   "weapon",  "disap",    "dissap",
    "alive",   "live",    "living",   "gone",   "burden", "tylenol", "acetamin", "ibuprof",
    "excedr",  "antifre", "nude",     "blackm", "choke",  "bruise",  "forced",   "sex",
    "goodbye", "bleach",  "worthles", "hate",   "miss",   "noose",   "burn",     "drunk"};

struct rng {
    std::uint64_t s;
    std::uint64_t next() {  // splitmix64
        std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
    bool coin() { return (next() & 1u) != 0; }
};

std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

std::u32string decode(std::string_view s) {
    std::u32string out;
    for (std::size_t i = 0; i < s.size();) out.push_back(detail::decode_utf8(s, i));
    return out;
}

bool is_lower(char32_t c) { return c >= U'a' && c <= U'z'; }
bool is_upper(char32_t c) { return c >= U'A' && c <= U'Z'; }
bool is_letter(char32_t c) { return is_lower(c) || is_upper(c); }
char32_t to_lower(char32_t c) { return is_upper(c) ? c + 32 : c; }
char32_t to_upper(char32_t c) { return is_lower(c) ? c - 32 : c; }
bool is_vowel(char32_t c) {
    c = to_lower(c);
    return c == U'a' || c == U'e' || c == U'i' || c == U'o' || c == U'u';
}

using word = std::u32string;

// --- Per-word transforms. Each touches only ASCII letters, so they compose in any order that
// --- puts the letter-substituting ones (homoglyphs) after the ones that inspect letters.

void leet(word& w) {
    for (auto& c : w) switch (to_lower(c)) {
            case U'a':
                c = U'4';
                break;
            case U'e':
                c = U'3';
                break;
            case U'i':
                c = U'1';
                break;
            case U'o':
                c = U'0';
                break;
            case U's':
                c = U'5';
                break;
            default:
                break;
        }
}

void cyrillic(word& w) {
    for (auto& c : w) switch (c) {
            case U'a':
                c = U'\u0430';
                break;
            case U'e':
                c = U'\u0435';
                break;
            case U'o':
                c = U'\u043E';
                break;
            case U'p':
                c = U'\u0440';
                break;
            case U'c':
                c = U'\u0441';
                break;
            case U'x':
                c = U'\u0445';
                break;
            case U'y':
                c = U'\u0443';
                break;
            case U'i':
                c = U'\u0456';
                break;
            case U'A':
                c = U'\u0410';
                break;
            case U'E':
                c = U'\u0415';
                break;
            case U'O':
                c = U'\u041E';
                break;
            case U'P':
                c = U'\u0420';
                break;
            case U'C':
                c = U'\u0421';
                break;
            case U'X':
                c = U'\u0425';
                break;
            default:
                break;
        }
}

void fullwidth(word& w) {
    for (auto& c : w)
        if (is_lower(c))
            c = U'\uFF41' + (c - U'a');
        else if (is_upper(c))
            c = U'\uFF21' + (c - U'A');
}

void math_bold(word& w) {
    for (auto& c : w)
        if (is_lower(c))
            c = U'\U0001D41A' + (c - U'a');
        else if (is_upper(c))
            c = U'\U0001D400' + (c - U'A');
}

// Mathematical script small letters; e, g and o live in Letterlike Symbols (the "holes").
void math_script(word& w) {
    for (auto& c : w) {
        if (!is_letter(c)) continue;
        const char32_t l = to_lower(c);
        c = l == U'e'   ? U'\u212F'
            : l == U'g' ? U'\u210A'
            : l == U'o' ? U'\u2134'
                        : U'\U0001D4B6' + (l - U'a');
    }
}

void mixed_case(word& w, rng& r) {
    bool up = r.coin();
    for (auto& c : w)
        if (is_letter(c)) {
            c = up ? to_upper(c) : to_lower(c);
            up = !up;
        }
}

// "die" -> "diiiie": the first vowel (else the last letter) repeated to four.
void stretch(word& w) {
    std::size_t at = w.size();
    for (std::size_t i = 0; i < w.size(); ++i)
        if (is_vowel(w[i])) {
            at = i;
            break;
        }
    if (at == w.size())
        for (std::size_t i = w.size(); i-- > 0;)
            if (is_letter(w[i])) {
                at = i;
                break;
            }
    if (at < w.size()) w.insert(at, 3, w[at]);
}

constexpr std::array<char32_t, 4> zero_width = {U'\u200B', U'\u200D', U'\u2060', U'\u00AD'};

// Where a separator may go: between two code points, but not next to an apostrophe or before
// trailing punctuation ("don't", "myself,").
bool separable(const word& w, std::size_t i) {
    return i + 1 < w.size() && w[i] != U'\'' && w[i + 1] != U'\'' && w[i + 1] != U',' &&
           w[i + 1] != U'.' && w[i + 1] != U'!' && w[i + 1] != U'?';
}

// Inserts `sep` at every separable point: "kill" -> "k.i.l.l".
void insert_between(word& w, char32_t sep) {
    word out;
    for (std::size_t i = 0; i < w.size(); ++i) {
        out.push_back(w[i]);
        if (separable(w, i)) out.push_back(sep);
    }
    w = out;
}

// A random one of the four zero-width characters at every separable point.
void insert_mixed_zero_width(word& w, rng& r) {
    word out;
    for (std::size_t i = 0; i < w.size(); ++i) {
        out.push_back(w[i]);
        if (separable(w, i)) out.push_back(zero_width[r.below(zero_width.size())]);
    }
    w = out;
}

bool has_letter(const word& w) {
    for (char32_t c : w)
        if (is_letter(c)) return true;
    return false;
}

std::size_t letter_count(const word& w) {
    std::size_t n = 0;
    for (char32_t c : w) n += is_letter(c);
    return n;
}

bool is_risk_word(const word& w) {
    std::string letters;
    for (char32_t c : w)
        if (is_letter(c)) letters += static_cast<char>(to_lower(c));
    for (auto stem : risk_stems)
        if (letters.starts_with(stem)) return true;
    return false;
}

std::vector<word> split_words(const std::u32string& text) {
    std::vector<word> words(1);
    for (char32_t c : text) {
        if (c == U' ')
            words.emplace_back();
        else
            words.back().push_back(c);
    }
    return words;
}

std::string join(const std::vector<word>& words) {
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (i) out += ' ';
        for (char32_t c : words[i]) detail::encode_utf8(c, out);
    }
    return out;
}

// Steps a variant may combine, applied in this fixed order so each sees ASCII letters.
enum step : unsigned {
    s_stretch = 1u << 0,
    s_case = 1u << 1,
    s_leet = 1u << 2,
    s_cyrillic = 1u << 3,
    s_fullwidth = 1u << 4,
    s_bold = 1u << 5,
    s_script = 1u << 6,
    s_spaced = 1u << 7,
    s_dotted = 1u << 8,
    s_zw_mixed = 1u << 9,
    s_zw_200b = 1u << 10,
    s_zw_200d = 1u << 11,
    s_zw_2060 = 1u << 12,
    s_zw_00ad = 1u << 13,
};

void apply(word& w, unsigned steps, rng& r) {
    if (steps & s_stretch) stretch(w);
    if (steps & s_case) mixed_case(w, r);
    if (steps & s_leet) leet(w);
    if (steps & s_cyrillic) cyrillic(w);
    if (steps & s_fullwidth) fullwidth(w);
    if (steps & s_bold) math_bold(w);
    if (steps & s_script) math_script(w);
    if (steps & s_spaced) insert_between(w, U' ');
    if (steps & s_dotted) insert_between(w, U'.');
    if (steps & s_zw_mixed) insert_mixed_zero_width(w, r);
    if (steps & s_zw_200b) insert_between(w, zero_width[0]);
    if (steps & s_zw_200d) insert_between(w, zero_width[1]);
    if (steps & s_zw_2060) insert_between(w, zero_width[2]);
    if (steps & s_zw_00ad) insert_between(w, zero_width[3]);
}

struct family {
    std::string name;
    unsigned steps;
};

const std::vector<family>& families() {
    static const std::vector<family> f = {
        {"leet", s_leet},
        {"zw_200b", s_zw_200b},
        {"zw_200d", s_zw_200d},
        {"zw_2060", s_zw_2060},
        {"zw_00ad", s_zw_00ad},
        {"zw_mixed", s_zw_mixed},
        {"cyrillic", s_cyrillic},
        {"fullwidth", s_fullwidth},
        {"math_bold", s_bold},
        {"math_script", s_script},
        {"spaced", s_spaced},
        {"dotted", s_dotted},
        {"stretched", s_stretch},
        {"mixed_case", s_case},
        {"leet+zw", s_leet | s_zw_mixed},
        {"cyrillic+stretched", s_cyrillic | s_stretch},
        {"spaced+case", s_spaced | s_case},
        {"leet+stretched+case", s_leet | s_stretch | s_case},
        {"fullwidth+zw", s_fullwidth | s_zw_mixed},
        {"bold+dotted", s_bold | s_dotted},
    };
    return f;
}

// One letter-substituting step at most (they would overwrite each other), plus any others.
unsigned random_combo(rng& r) {
    constexpr std::array<unsigned, 5> subst = {s_leet, s_cyrillic, s_fullwidth, s_bold, s_script};
    constexpr std::array<unsigned, 4> insert = {s_spaced, s_dotted, s_zw_mixed, s_zw_00ad};
    unsigned steps = subst[r.below(subst.size())];
    if (r.coin()) steps |= s_stretch;
    if (r.coin()) steps |= s_case;
    if (r.coin()) steps |= insert[r.below(insert.size())];
    return steps;
}

}  // namespace

const std::vector<std::string>& evasion_families() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n;
        for (const auto& f : families()) n.push_back(f.name);
        n.push_back("upper");
        n.push_back("subset_leet");
        n.push_back("random_combo_1");
        n.push_back("random_combo_2");
        return n;
    }();
    return names;
}

std::vector<variant> evasion_variants(std::string_view text, std::uint64_t seed) {
    rng r{seed ^ fnv1a(text)};
    const auto words = split_words(decode(text));

    std::vector<std::size_t> targets;
    for (std::size_t i = 0; i < words.size(); ++i)
        if (is_risk_word(words[i])) targets.push_back(i);
    if (targets.empty()) {  // e.g. "💊💊💊 tonight": two random words of 3+ letters
        std::vector<std::size_t> candidates;
        for (std::size_t i = 0; i < words.size(); ++i)
            if (letter_count(words[i]) >= 3) candidates.push_back(i);
        for (int k = 0; k < 2 && !candidates.empty(); ++k) {
            const std::size_t pick = r.below(candidates.size());
            targets.push_back(candidates[pick]);
            candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(pick));
        }
    }

    auto rewrite = [&](const std::vector<std::size_t>& which, unsigned steps) {
        auto out = words;
        for (std::size_t i : which) apply(out[i], steps, r);
        return join(out);
    };

    std::vector<variant> out;
    for (const auto& f : families()) out.push_back({f.name, rewrite(targets, f.steps)});

    {
        auto upper = words;
        for (auto& w : upper)
            for (auto& c : w) c = to_upper(c);
        out.push_back({"upper", join(upper)});
    }
    {
        std::vector<std::size_t> subset;
        for (std::size_t i = 0; i < words.size(); ++i)
            if (has_letter(words[i]) && r.coin()) subset.push_back(i);
        for (std::size_t t : targets)  // the risk words always among them
            if (std::find(subset.begin(), subset.end(), t) == subset.end()) subset.push_back(t);
        out.push_back({"subset_leet", rewrite(subset, s_leet)});
    }
    out.push_back({"random_combo_1", rewrite(targets, random_combo(r))});
    out.push_back({"random_combo_2", rewrite(targets, random_combo(r))});
    return out;
}

}  // namespace circles::moderation::eval
