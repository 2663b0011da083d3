#pragma once
// The metrics table the runner prints: per risk category precision, recall and false-positive
// rate; recall per evasion family; block/hold rates on the not-risk sets; ground-rule
// categories raised on them. How each number is computed is in README.md.
#include <string>

namespace circles::moderation::eval {

std::string metrics_table();

}  // namespace circles::moderation::eval
