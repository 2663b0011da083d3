// circles-bench — the Circles load generator. See clients/bench/README.md.
//
// Exit status: 0 for a clean run (every client joined; nothing lost, duplicated or delivered
// against a refusal), 1 for a run that was not, 2 for a usage or start-up error.
#include <cstdio>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "circles/bench/options.hpp"
#include "circles/bench/report.hpp"
#include "runner.hpp"

int main(int argc, char** argv) {
    using namespace circles::bench;
    options opt;
    try {
        opt = parse_options(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "circles-bench: %s\n%s", e.what(), usage_text);
        return 2;
    }
    if (opt.help) {
        std::fputs(usage_text, stdout);
        return 0;
    }
    try {
        const auto report = run_bench(opt);
        if (opt.json) {
            std::cout << format_json(report) << std::endl;
        } else {
            print_table(std::cout, report);
        }
        return report.clean() ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "circles-bench: %s\n", e.what());
        return 2;
    }
}
