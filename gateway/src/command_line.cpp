#include "circles/gateway/command_line.hpp"

#include <stdexcept>

#include "circles/gateway/config.hpp"

namespace circles::gateway {

std::string take_subcommand(std::vector<std::string>& args, const std::string& usage) {
    if (args.empty()) throw std::invalid_argument("usage:\n  " + usage);
    std::string sub = std::move(args.front());
    args.erase(args.begin());
    return sub;
}

void unknown_subcommand(const std::string& command, const std::string& sub,
                        const std::string& usage) {
    throw std::invalid_argument("unknown " + command + " command '" + sub + "'; usage:\n  " +
                                usage);
}

std::vector<std::string> split_list(std::string_view s, char sep, bool keep_empty) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto end = s.find(sep, start);
        auto item = s.substr(start, end == std::string_view::npos ? s.npos : end - start);
        const auto first = item.find_first_not_of(" \t");
        item = first == std::string_view::npos
                   ? std::string_view{}
                   : item.substr(first, item.find_last_not_of(" \t") - first + 1);
        if (keep_empty || !item.empty()) out.emplace_back(item);
        if (end == std::string_view::npos) return out;
        start = end + 1;
    }
}

std::string take_option(std::vector<std::string>& args, const std::string& name) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] != name) continue;
        if (i + 1 >= args.size()) throw std::invalid_argument(name + " needs a value");
        std::string v = args[i + 1];
        args.erase(args.begin() + static_cast<std::ptrdiff_t>(i),
                   args.begin() + static_cast<std::ptrdiff_t>(i + 2));
        return v;
    }
    return {};
}

void no_more_args(const std::vector<std::string>& args) {
    if (!args.empty()) throw std::invalid_argument("unknown argument '" + args.front() + "'");
}

store_choice take_store_choice(std::vector<std::string>& args, const std::string& command) {
    const auto data = take_option(args, "--data");
    const auto config_file = take_option(args, "--config");
    if (data.empty() == config_file.empty()) {
        throw std::invalid_argument(command + " needs exactly one of --data DIR or --config FILE");
    }
    if (!data.empty()) return {std::string(), std::filesystem::path(data)};
    const config c = load_config(config_file);
    return {c.store, c.data_dir};
}

std::size_t parse_count(const std::string& name, const std::string& value, std::size_t min,
                        std::size_t max) {
    std::size_t used = 0;
    unsigned long long v = 0;
    try {
        v = std::stoull(value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != value.size() || value.empty() || v < min || v > max) {
        throw std::invalid_argument(name + " must be a whole number from " + std::to_string(min) +
                                    " to " + std::to_string(max) + ", got '" + value + "'");
    }
    return static_cast<std::size_t>(v);
}

std::unique_ptr<storage::store> open_chosen_store(const store_choice& where) {
    storage::store_options so;
    so.data_dir = where.data_dir;
    return storage::open_store(where.url, so);
}

}  // namespace circles::gateway
