#pragma once
// Argument parsing shared by the `circles` subcommands: "--name VALUE" pairs, and an error
// naming whatever is left over.
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "circles/storage/store.hpp"

namespace circles::gateway {

// Removes and returns the first argument, the subcommand of `circles COMMAND`. Throws
// std::invalid_argument with `usage` when there is none.
std::string take_subcommand(std::vector<std::string>& args, const std::string& usage);
// Throws std::invalid_argument naming `command`'s unknown subcommand `sub`, with `usage`.
[[noreturn]] void unknown_subcommand(const std::string& command, const std::string& sub,
                                     const std::string& usage);

// Removes "--name VALUE" from `args` and returns VALUE ("" when absent). Throws
// std::invalid_argument when the name is last, with no value.
std::string take_option(std::vector<std::string>& args, const std::string& name);
// Throws std::invalid_argument naming the first argument nobody took.
void no_more_args(const std::vector<std::string>& args);

// The items of a `sep`-separated list, each trimmed of spaces and tabs; empty items are
// dropped unless `keep_empty` ("a,,b" then has three).
std::vector<std::string> split_list(std::string_view s, char sep, bool keep_empty = false);

// VALUE of option `name` as a whole number from min to max; throws std::invalid_argument
// naming the option and the range otherwise.
std::size_t parse_count(const std::string& name, const std::string& value, std::size_t min,
                        std::size_t max);

// Where a subcommand finds the store: "--data DIR" (SQLite in DIR) or "--config FILE" (the
// store the configuration names, SQLite or PostgreSQL, and its data_dir), exactly one.
struct store_choice {
    std::string url;  // for storage::open_store
    std::filesystem::path data_dir;
};
// Removes both options from `args`. Throws std::invalid_argument naming `command` when
// neither or both are there, std::runtime_error when the configuration cannot be read.
store_choice take_store_choice(std::vector<std::string>& args, const std::string& command);
// Opens (creating and migrating on first use) the store a subcommand chose.
std::unique_ptr<storage::store> open_chosen_store(const store_choice& where);

// The value of `r`; otherwise throws std::runtime_error "WHAT: the store's error".
template <class T>
T must(storage::result<T> r, const std::string& what) {
    if (!r) throw std::runtime_error(what + ": " + r.error().message());
    return std::move(*r);
}
inline void must(storage::result<void> r, const std::string& what) {
    if (!r) throw std::runtime_error(what + ": " + r.error().message());
}

}  // namespace circles::gateway
