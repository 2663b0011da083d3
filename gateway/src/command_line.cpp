#include "circles/gateway/command_line.hpp"

#include <stdexcept>

namespace circles::gateway {

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

}  // namespace circles::gateway
