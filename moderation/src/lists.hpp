#pragma once
// The word lists Circles ships: category presets for ground rules, the protected identity
// terms, and the risk lexicon. All are the project's own curated lists (see README.md for
// their source and licence); none is imported wholesale from a stock list.
#include <span>
#include <string_view>

namespace circles::moderation::lists {

// Keywords of a category preset ("profanity", "sexual", "slurs", "insults"), in the rule
// keyword syntax (`term`, `term*`, `*term`, `*term*`). Empty for an unknown name.
std::span<const std::string_view> category(std::string_view name);
// The words a category preset never matches, whatever the room ("dick van dyke", ...).
std::span<const std::string_view> category_allow(std::string_view name);

// Identity terms no ground rule may block and no risk rule may match.
std::span<const std::string_view> protected_terms();
// Sentences the protected-term check at compile time tries each term in ("{}" = the term).
std::span<const std::string_view> protected_templates();

struct risk_entry {
    std::string_view category;  // self_harm, abuse_disclosure, violence_threat, severe_bullying
    std::string_view phrase;    // phrase syntax: "(a|b) c" expands to "a c" and "b c"
};
std::span<const risk_entry> risk_phrases();
// Risk signals that are not words (emoji, doses): matched anywhere in the plain view.
std::span<const risk_entry> risk_symbols();

}  // namespace circles::moderation::lists
