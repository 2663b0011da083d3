#pragma once
// Derived views of a message for matching only; the stored text is what the student wrote.
//
//   plain     default-ignorables dropped (ZWSP, ZWJ, soft hyphen, tags, variation selectors),
//             NFKC + full case folding, UTS #39 skeleton (ICU uspoof) for non-ASCII, marks
//             dropped. Keeps punctuation and digits: contact details and doses match here.
//   word      plain + leetspeak decoded inside tokens that hold a letter, every run of
//             separators (space, punctuation) collapsed to one ' ', and runs of 3 or more of
//             one character collapsed to one ("kiiiill" -> "kill"; "ass" stays "ass").
//   squeezed  the letters of `word` only, every repeat collapsed ("f.u.c k" -> "fuck",
//             "k i i l l" -> "kil"). For high-severity terms; hits must cover whole tokens.
//
// ASCII letters bypass the skeleton on purpose: it maps "I" to "l" and would turn "KILL"
// into "klll". Patterns go through the same pipeline (pattern_word / pattern_squeezed), so
// both sides agree.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace circles::moderation::detail {

struct view {
    std::string text;  // UTF-8
    // Per byte of `text`: the original byte range [begin, end) it came from. For `squeezed`
    // the ranges are byte offsets into the word view instead.
    std::vector<std::uint32_t> begin, end;
};

struct views {
    view plain, word, squeezed;
    // Per word-view byte: 1 in a token character (letter, digit, emoji; every byte of it), 0
    // at a separator. Bytes, not std::vector<bool>: read and written a byte at a time.
    std::vector<std::uint8_t> word_is_token;
};

views normalize(std::string_view text);
// The same into `out`, over what it held: a caller that keeps one `views` per thread (as
// evaluate does) reuses its buffers, and this thread's own, from one message to the next.
void normalize(std::string_view text, views& out);

// The same by the general path, whatever the text: an ASCII text otherwise takes a path of
// its own, which must give the same views (the tests compare the two).
void normalize_general(std::string_view text, views& out);

// The word-view form of a keyword or phrase (trimmed).
std::string pattern_word(std::string_view phrase);
// The squeezed form of a keyword or phrase.
std::string pattern_squeezed(std::string_view phrase);

// Decode / encode one UTF-8 code point (input assumed valid).
char32_t decode_utf8(std::string_view s, std::size_t& i);
void encode_utf8(char32_t cp, std::string& out);

}  // namespace circles::moderation::detail
