#pragma once
// A deterministic evasion fuzzer for the moderation evaluation: it rewrites a risk statement
// the way a student dodging a filter would (leetspeak, zero-width characters, homoglyphs,
// spacing, stretched letters, case mixing, and combinations), so the runner can check that
// recall does not drop under evasion.
//
// Plausibility: only the *target words* are rewritten, never the whole sentence. Targets are
// the words that contain a risk keyword stem (kill, die, pill, kms, unaliv, hurt, knife, ...;
// see evasion_fuzzer.cpp). A sentence with no such word (e.g. "💊💊💊 tonight") gets up to two
// random words of three or more letters instead. One extra family ("subset_leet") rewrites a
// random half of all words, and "upper" upper-cases the whole message, which are both things
// people really type. Emoji and punctuation are never altered.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace circles::moderation::eval {

struct variant {
    std::string family;  // "leet", "zw_200b", "cyrillic", "leet+zw", ...
    std::string text;    // UTF-8
};

// Every variant of `text` (UTF-8). Same `text` and `seed`, same output, on every platform:
// the RNG is a local splitmix64, not <random>'s implementation-defined distributions.
std::vector<variant> evasion_variants(std::string_view text, std::uint64_t seed);

// The family names evasion_variants produces, in order (for reports).
const std::vector<std::string>& evasion_families();

}  // namespace circles::moderation::eval
