#pragma once
// Evaluates every labelled set once per test process and keeps the decisions, so the
// assertions and the metrics table read the same results. Each set is computed lazily:
// under ctest every TEST runs in its own process and only pays for the sets it reads.
#include <cstdint>
#include <string>
#include <vector>

#include "circles/moderation/engine.hpp"
#include "eval_data.hpp"

namespace circles::moderation::eval {

struct outcome {
    std::string label;   // risk category, or "" for the not-risk sets
    std::string room;    // room kind evaluated in ("" = school base)
    std::string family;  // evasion family, "" for the original text
    std::string text;
    decision d;
};

const policy& default_policy();
decision run(std::string_view room, std::string_view text);

const std::vector<risk_case>& risk_set();
const std::vector<outcome>& risk_outcomes();        // every risk case in every room kind
const std::vector<outcome>& evasion_outcomes();     // every variant of every case, base room
const std::vector<outcome>& benign_outcomes();      // benign.txt, every room kind
const std::vector<outcome>& negation_outcomes();    // negation.txt, every room kind
const std::vector<outcome>& identity_outcomes();    // templates x terms, every room kind
const std::vector<outcome>& dictionary_outcomes();  // wamerican, base room

// The fixed seed of the evasion fuzzer (change it and the variant set changes).
inline constexpr std::uint64_t evasion_seed = 0xC1FC1E5u;

bool stops(const decision& d);  // block or hold
bool has_category(const decision& d, std::string_view c);
// The text with invisible and non-ASCII code points shown as \u{XXXX}, for failure messages.
std::string visible(std::string_view text);
std::string describe(const outcome& o);  // one line: room, family, action, text

}  // namespace circles::moderation::eval
