#pragma once
// Detectors for contact details and links, as Hyperscan expressions on the plain view
// (case-folded, invisible characters removed, digits and punctuation kept). Each room kind
// decides what a hit does (mask, hold, allow).
#include <string>
#include <vector>

#include "compiled_policy.hpp"

namespace circles::moderation::detail {

struct contact_pattern {
    contact_kind kind;
    std::string regex;
};

const std::vector<contact_pattern>& contact_patterns();

}  // namespace circles::moderation::detail
