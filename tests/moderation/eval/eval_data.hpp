#pragma once
// Loading the labelled evaluation set (see README.md): one case a line, '#' comments and
// blank lines skipped, UTF-8. A malformed file is a configuration failure, so loaders throw
// std::runtime_error with the file and line; the tests turn that into one clear failure.
#include <string>
#include <string_view>
#include <vector>

namespace circles::moderation::eval {

// The four risk categories risk.tsv may use, in report order.
inline const std::vector<std::string> risk_categories = {"self_harm", "abuse_disclosure",
                                                         "violence_threat", "severe_bullying"};

// Room kinds every identity, benign and negation case is checked in ("" = school base).
inline const std::vector<std::string> room_kinds = {"", "gsa", "social_group", "peer_network",
                                                    "social_justice"};

struct risk_case {
    std::string category;
    std::string text;
    int line = 0;
};

// The directory holding the data files (CIRCLES_EVAL_DATA, set by CMake).
std::string data_dir();

std::vector<std::string> load_lines(const std::string& path);
std::vector<risk_case> load_risk(const std::string& path);

// Every template with every term substituted for its "{}".
std::vector<std::string> fill_templates(const std::vector<std::string>& templates,
                                        const std::vector<std::string>& terms);

// The dictionary words the sweep evaluates: every line of `path`, skipping entries with an
// apostrophe (possessives like "Aaron's", ~30% of wamerican, add nothing a base word doesn't).
// Throws with an install hint when the file is missing.
std::vector<std::string> load_dictionary(const std::string& path);

}  // namespace circles::moderation::eval
