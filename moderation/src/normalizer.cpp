#include "normalizer.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace circles::moderation::detail {

char32_t decode_utf8(std::string_view s, std::size_t& i) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += len;
    return cp;
}

namespace {

std::size_t utf8_length(char32_t cp) {
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

// utf8_length(cp) bytes at `out`, which has room for them.
void put_utf8(char32_t cp, char* out) {
    switch (utf8_length(cp)) {
        case 1:
            out[0] = static_cast<char>(cp);
            return;
        case 2:
            out[0] = static_cast<char>(0xC0 | (cp >> 6));
            out[1] = static_cast<char>(0x80 | (cp & 0x3F));
            return;
        case 3:
            out[0] = static_cast<char>(0xE0 | (cp >> 12));
            out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out[2] = static_cast<char>(0x80 | (cp & 0x3F));
            return;
        default:
            out[0] = static_cast<char>(0xF0 | (cp >> 18));
            out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out[3] = static_cast<char>(0x80 | (cp & 0x3F));
    }
}

}  // namespace

void encode_utf8(char32_t cp, std::string& out) {
    char bytes[4];
    put_utf8(cp, bytes);
    out.append(bytes, utf8_length(cp));
}

namespace {

struct atom {
    char32_t cp;
    std::uint32_t begin, end;
};

// ICU objects: created once, const afterwards (uspoof_getSkeleton and Normalizer2 are
// thread-safe on a const object).
struct icu_tools {
    const icu::Normalizer2* nfkc_cf = nullptr;
    const icu::Normalizer2* nfd = nullptr;
    USpoofChecker* spoof = nullptr;
    icu_tools() {
        UErrorCode ec = U_ZERO_ERROR;
        nfd = icu::Normalizer2::getNFDInstance(ec);
        nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(ec);
        if (U_FAILURE(ec)) throw std::runtime_error("ICU: no NFKC_Casefold data");
        spoof = uspoof_open(&ec);
        if (U_FAILURE(ec)) throw std::runtime_error("ICU: uspoof_open failed");
    }
};

const icu_tools& icu() {
    static const icu_tools tools;
    return tools;
}

std::u32string to_u32(const icu::UnicodeString& s) {
    std::u32string out;
    for (int32_t i = 0; i < s.length();) {
        const UChar32 c = s.char32At(i);
        out.push_back(static_cast<char32_t>(c));
        i += U16_LENGTH(c);
    }
    return out;
}

// The matching form of one non-ASCII code point: NFKC case fold, then the skeleton of what
// is still non-ASCII, folded again, without combining marks.
std::u32string fold_non_ascii(char32_t cp) {
    const auto& t = icu();
    UErrorCode ec = U_ZERO_ERROR;
    icu::UnicodeString folded =
        t.nfkc_cf->normalize(icu::UnicodeString(static_cast<UChar32>(cp)), ec);
    if (U_FAILURE(ec)) return {cp};
    std::u32string out;
    for (char32_t c : to_u32(folded)) {
        if (c < 0x80) {
            out.push_back(c);
            continue;
        }
        UChar in[2];
        int32_t in_len = 0;
        U16_APPEND_UNSAFE(in, in_len, c);
        UChar sk[32];
        ec = U_ZERO_ERROR;
        const int32_t n = uspoof_getSkeleton(t.spoof, 0, in, in_len, sk, 32, &ec);
        icu::UnicodeString skel =
            U_FAILURE(ec) ? icu::UnicodeString(static_cast<UChar32>(c)) : icu::UnicodeString(sk, n);
        ec = U_ZERO_ERROR;
        skel = t.nfd->normalize(skel, ec);  // decomposed, so accents can be dropped
        for (char32_t s : to_u32(skel)) {
            const auto type = u_charType(static_cast<UChar32>(s));
            if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK) continue;
            out.push_back(
                static_cast<char32_t>(u_foldCase(static_cast<UChar32>(s), U_FOLD_CASE_DEFAULT)));
        }
    }
    return out;
}

const std::u32string& fold_cached(char32_t cp) {
    thread_local std::unordered_map<char32_t, std::u32string> cache;
    if (cache.size() > 8192) cache.clear();  // bounded per thread
    auto it = cache.find(cp);
    if (it == cache.end()) it = cache.emplace(cp, fold_non_ascii(cp)).first;
    return it->second;
}

bool ignorable(char32_t cp) {
    if (cp < 0x80) return false;
    return u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}

bool is_letter(char32_t cp) {
    if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    return u_isalpha(static_cast<UChar32>(cp));
}

bool is_token_char(char32_t cp) {
    if (cp < 0x80) return is_letter(cp) || (cp >= '0' && cp <= '9');
    if (u_isalnum(static_cast<UChar32>(cp))) return true;
    const auto type = u_charType(static_cast<UChar32>(cp));
    return type == U_OTHER_SYMBOL;  // emoji: 💊 is a risk signal
}

constexpr char32_t leet(char32_t c) {
    switch (c) {
        case '4':
        case '@':
            return 'a';
        case '3':
            return 'e';
        case '1':
        case '!':
        case '|':
            return 'i';
        case '0':
            return 'o';
        case '5':
        case '$':
            return 's';
        case '7':
        case '+':
            return 't';
        default:
            return c;
    }
}

bool leet_candidate(char32_t c) { return leet(c) != c; }

void plain_atoms(std::string_view text, std::vector<atom>& out) {
    out.clear();
    for (std::size_t i = 0; i < text.size();) {
        const auto b = static_cast<std::uint32_t>(i);
        const char32_t cp = decode_utf8(text, i);
        const auto e = static_cast<std::uint32_t>(i);
        if (cp < 0x80) {
            out.push_back({(cp >= 'A' && cp <= 'Z') ? cp + 32 : cp, b, e});
        } else if (!ignorable(cp)) {
            for (char32_t f : fold_cached(cp)) out.push_back({f, b, e});
        }
    }
}

// This thread's atom buffers, kept from one message to the next so that a message allocates
// nothing once they have grown to its size (max_message_bytes bounds that).
struct atom_buffers {
    std::vector<atom> plain, leeted, sep, word, squeezed;
};

// Whether a message shows leetspeak, fed its characters in order: a token mixing letters and
// leet digits, or a run of one-character tokens that does (decode_leetspeak says why).
class leetspeak_detector {
  public:
    void blank() { end_token(); }
    void token_char(bool letter, bool leet_digit) {
        ++length_;
        if (letter) {
            letter_ = true;
        } else if (leet_digit) {
            digit_ = true;
        }
    }
    bool done() {
        end_token();
        return leetspeak_;
    }

  private:
    void end_token() {
        leetspeak_ = leetspeak_ || (letter_ && digit_);
        if (length_ == 1) {
            run_letter_ = run_letter_ || letter_;
            run_digit_ = run_digit_ || digit_;
            leetspeak_ = leetspeak_ || (run_letter_ && run_digit_);
        } else if (length_ > 1) {
            run_letter_ = run_digit_ = false;
        }
        letter_ = digit_ = false;
        length_ = 0;
    }

    bool leetspeak_ = false;
    bool letter_ = false, digit_ = false;          // in the current token
    bool run_letter_ = false, run_digit_ = false;  // in the current run of 1-char tokens
    std::size_t length_ = 0;
};

bool is_blank(char32_t c) { return c == ' ' || c == '\n' || c == '\t'; }

// Leetspeak over the n characters at(k) of a plain view: calls decoded(k, c) for each that
// reads as the letter c. Decoded inside a whitespace-delimited token that holds a letter;
// '!', '|', '+' only between two letters or leet characters ("k!ll", not "wow!"). Once a
// message shows leetspeak (a token mixing letters and leet digits), short all-digit tokens
// are decoded too ("i w15h 1 w45 d34d"); the plain view keeps digits for doses and numbers.
// Spaced-out leetspeak ("h 1 1 t 5") counts too: a run of one-character tokens that mixes
// letters and leet digits. The one rule for both paths.
template <class At, class Decoded>
void decode_leetspeak(std::size_t n, const At& at, const Decoded& decoded) {
    leetspeak_detector detect;
    for (std::size_t k = 0; k < n; ++k) {
        const char32_t c = at(k);
        if (is_blank(c)) {
            detect.blank();
        } else {
            detect.token_char(is_letter(c), c >= '0' && c <= '9' && leet_candidate(c));
        }
    }
    const bool leetspeak = detect.done();
    const auto letter_or_leet = [&](std::size_t k) {
        return is_letter(at(k)) || leet_candidate(at(k));
    };
    for (std::size_t i = 0; i < n;) {
        std::size_t j = i;
        bool decode = false;
        for (; j < n && !is_blank(at(j)); ++j) decode = decode || is_letter(at(j));
        if (!decode && leetspeak && j - i <= 3) {
            decode = true;
            for (std::size_t k = i; k < j; ++k) decode = decode && leet_candidate(at(k));
        }
        if (decode) {
            for (std::size_t k = i; k < j; ++k) {
                const char32_t c = at(k);
                if (!leet_candidate(c)) continue;
                if ((c == '!' || c == '|' || c == '+') &&
                    !(k > i && k + 1 < j && letter_or_leet(k - 1) && letter_or_leet(k + 1)))
                    continue;
                decoded(k, leet(c));
            }
        }
        i = j == i ? i + 1 : j;
    }
}

// buf.plain to buf.word, through buf.leeted and buf.sep.
void word_atoms(atom_buffers& buf) {
    const std::vector<atom>& plain = buf.plain;
    std::vector<atom>& leeted = buf.leeted;
    std::vector<atom>& sep = buf.sep;
    std::vector<atom>& out = buf.word;
    leeted.assign(plain.begin(), plain.end());
    decode_leetspeak(
        plain.size(), [&](std::size_t k) { return plain[k].cp; },
        [&](std::size_t k, char32_t c) { leeted[k].cp = c; });
    // Separators to one ' ', then runs of >= 3 to one.
    sep.clear();
    for (const atom& a : leeted) {
        if (is_token_char(a.cp)) {
            sep.push_back(a);
        } else if (!sep.empty() && sep.back().cp == ' ') {
            sep.back().end = a.end;
        } else {
            sep.push_back({' ', a.begin, a.end});
        }
    }
    out.clear();
    for (std::size_t k = 0; k < sep.size();) {
        std::size_t r = k;
        while (r < sep.size() && sep[r].cp == sep[k].cp) ++r;
        if (r - k >= 3) {
            out.push_back({sep[k].cp, sep[k].begin, sep[r - 1].end});
        } else {
            for (std::size_t m = k; m < r; ++m) out.push_back(sep[m]);
        }
        k = r;
    }
}

// Writes a view from atoms: sized once, then written in place over what the view held before.
void emit(const std::vector<atom>& atoms, view& v) {
    std::size_t bytes = 0;
    for (const atom& a : atoms) bytes += utf8_length(a.cp);
    std::size_t at = 0;
    v.text.resize(bytes);
    v.begin.resize(bytes);
    v.end.resize(bytes);
    for (const atom& a : atoms) {
        const std::size_t n = utf8_length(a.cp);
        put_utf8(a.cp, v.text.data() + at);
        for (std::size_t k = 0; k < n; ++k, ++at) {
            v.begin[at] = a.begin;
            v.end[at] = a.end;
        }
    }
}

// The views of an ASCII text, the general path's rules read byte by byte: every atom is one
// byte, so the views are written straight from the text without atoms (the usual message; a
// fraction of the general path's work). Must give what normalize_general gives, byte for byte
// and offset for offset (Normalizer tests compare the two on random texts).
namespace ascii {

// What each byte is, looked up once instead of compared: letters are a-z only (the text is
// folded first); a byte >= 0x80, which this path never sees, is nothing.
enum : std::uint8_t { letter_class = 1, token_class = 2 };
constexpr std::array<std::uint8_t, 256> classes = [] {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 128; ++c) {
        const bool letter = c >= 'a' && c <= 'z', digit = c >= '0' && c <= '9';
        t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(
            (letter ? letter_class : 0) | (letter || digit ? token_class : 0));
    }
    return t;
}();
constexpr bool letter(char c) { return classes[static_cast<unsigned char>(c)] & letter_class; }
constexpr bool token(char c) { return classes[static_cast<unsigned char>(c)] & token_class; }

// This thread's buffers between the passes, kept from one message to the next.
struct buffers {
    std::string leeted;
    view sep;  // the leeted text with its separators collapsed
};

// A view's columns resized to n, as raw pointers: written through these, a char store cannot
// make the compiler load the vectors' own pointers again after every byte (a char may alias
// anything).
struct columns {
    char* text;
    std::uint32_t* begin;
    std::uint32_t* end;
};
columns resized(view& v, std::size_t n) {
    v.text.resize(n);
    v.begin.resize(n);
    v.end.resize(n);
    return {v.text.data(), v.begin.data(), v.end.data()};
}

void normalize(std::string_view text, views& out) {
    thread_local buffers buf;
    const std::size_t n = text.size();
    const columns pl = resized(out.plain, n);
    for (std::size_t k = 0; k < n; ++k) {
        const char c = text[k];
        pl.text[k] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
        pl.begin[k] = static_cast<std::uint32_t>(k);
        pl.end[k] = static_cast<std::uint32_t>(k + 1);
    }
    const std::string& p = out.plain.text;

    // Leetspeak decoded inside the tokens that take it.
    buf.leeted.assign(p);
    char* const leeted = buf.leeted.data();
    decode_leetspeak(
        n, [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(p[k])); },
        [&](std::size_t k, char32_t c) { leeted[k] = static_cast<char>(c); });

    // Separators to one ' ' (its range covering them all).
    const auto [sep, sb, se] = resized(buf.sep, n);
    std::size_t m = 0;
    for (std::size_t k = 0; k < n; ++k) {
        const char c = leeted[k];
        const auto b = static_cast<std::uint32_t>(k), e = static_cast<std::uint32_t>(k + 1);
        if (token(c)) {
            sep[m] = c;
            sb[m] = b;
            se[m++] = e;
        } else if (m > 0 && sep[m - 1] == ' ') {
            se[m - 1] = e;
        } else {
            sep[m] = ' ';
            sb[m] = b;
            se[m++] = e;
        }
    }

    // Runs of 3 or more of one character to one: the word view; with it the token map and the
    // squeezed view (its letters, every repeat collapsed, ranges in word-view bytes).
    const auto [wt, wb, we] = resized(out.word, m);
    const auto [st, sqb, sqe] = resized(out.squeezed, m);
    out.word_is_token.resize(m);
    std::uint8_t* const wtok = out.word_is_token.data();
    std::size_t w = 0, s = 0;  // not captured by a lambda: kept in registers
    for (std::size_t k = 0; k < m;) {
        std::size_t r = k + 1;
        while (r < m && sep[r] == sep[k]) ++r;
        const bool collapse = r - k >= 3;
        for (std::size_t x = k, last = collapse ? k + 1 : r; x < last; ++x, ++w) {
            const char c = sep[x];
            wt[w] = c;
            wb[w] = sb[x];
            we[w] = collapse ? se[r - 1] : se[x];
            wtok[w] = c != ' ';
            if (!letter(c)) continue;
            if (s > 0 && st[s - 1] == c) {
                sqe[s - 1] = static_cast<std::uint32_t>(w + 1);
            } else {
                st[s] = c;
                sqb[s] = static_cast<std::uint32_t>(w);
                sqe[s++] = static_cast<std::uint32_t>(w + 1);
            }
        }
        k = r;
    }
    resized(out.word, w);
    out.word_is_token.resize(w);
    resized(out.squeezed, s);
}

}  // namespace ascii

std::string trimmed(std::string s) {
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

}  // namespace

void normalize_general(std::string_view text, views& out) {
    thread_local atom_buffers buf;
    plain_atoms(text, buf.plain);
    emit(buf.plain, out.plain);
    word_atoms(buf);
    const std::vector<atom>& word = buf.word;
    emit(word, out.word);
    // A separator is one ' ' byte; every byte of a wider character is >= 0x80.
    const std::string& word_text = out.word.text;
    out.word_is_token.resize(word_text.size());
    for (std::size_t k = 0; k < word_text.size(); ++k) out.word_is_token[k] = word_text[k] != ' ';
    // Squeezed: letters of the word view, every repeat collapsed; ranges are word-view bytes.
    std::vector<atom>& sq = buf.squeezed;
    sq.clear();
    std::uint32_t wbyte = 0;
    for (const atom& a : word) {
        const auto next = static_cast<std::uint32_t>(wbyte + utf8_length(a.cp));
        if (is_letter(a.cp)) {
            if (!sq.empty() && sq.back().cp == a.cp) {
                sq.back().end = next;
            } else {
                sq.push_back({a.cp, wbyte, next});
            }
        }
        wbyte = next;
    }
    emit(sq, out.squeezed);
}

void normalize(std::string_view text, views& out) {
    // ASCII in, ASCII in every view: case folding, leetspeak, separators and squeezing all
    // map ASCII to ASCII.
    const bool is_ascii = std::all_of(text.begin(), text.end(),
                                      [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (is_ascii) {
        ascii::normalize(text, out);
    } else {
        normalize_general(text, out);
    }
}

views normalize(std::string_view text) {
    views out;
    normalize(text, out);
    return out;
}

std::string pattern_word(std::string_view phrase) { return trimmed(normalize(phrase).word.text); }

std::string pattern_squeezed(std::string_view phrase) { return normalize(phrase).squeezed.text; }

}  // namespace circles::moderation::detail
