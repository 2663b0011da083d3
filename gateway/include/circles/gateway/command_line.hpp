#pragma once
// Argument parsing shared by the `circles` subcommands: "--name VALUE" pairs, and an error
// naming whatever is left over.
#include <string>
#include <vector>

namespace circles::gateway {

// Removes "--name VALUE" from `args` and returns VALUE ("" when absent). Throws
// std::invalid_argument when the name is last, with no value.
std::string take_option(std::vector<std::string>& args, const std::string& name);
// Throws std::invalid_argument naming the first argument nobody took.
void no_more_args(const std::vector<std::string>& args);

}  // namespace circles::gateway
