// How fast `evaluate` decides chat-length messages: the built-in default policy alone, and
// with 1,000 extra keyword rules. items_per_second is messages per second on one core.
//
//   build/bin/circles_moderation_bench [--benchmark_filter=...]
//
// The corpus (bench/corpus/chat.txt) and the extra keywords (bench/corpus/extra_keywords.txt)
// are the ones bench/peers/obscenity measures, so bench/moderation can compare the two.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "../src/compiled_policy.hpp"
#include "circles/moderation/engine.hpp"

namespace {

using namespace circles::moderation;

std::string corpus_dir() {
    if (const char* d = std::getenv("CIRCLES_BENCH_CORPUS")) return d;
    return CIRCLES_BENCH_CORPUS_DIR;
}

std::vector<std::string> read_lines(const std::string& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read " + file);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line.front() != '#') out.push_back(line);
    return out;
}

const std::vector<std::string>& corpus() {
    static const auto lines = read_lines(corpus_dir() + "/chat.txt");
    return lines;
}

const policy& default_policy() {
    static const policy p;
    return p;
}

// The default policy's TOML with one extra [[rules]] entry per made-up keyword.
std::string large_policy_toml() {
    std::string toml(detail::default_policy_toml());
    int n = 0;
    for (const auto& w : read_lines(corpus_dir() + "/extra_keywords.txt")) {
        toml += "\n[[rules]]\nid = \"extra-" + std::to_string(++n) +
                "\"\ncategory = \"extra\"\naction = \"mask\"\nground_rule = 1\nkeywords = [\"" + w +
                "\"]\n";
    }
    return toml;
}

const policy& large_policy() {
    static const policy p = parse_policy(large_policy_toml(), "default+extra");
    return p;
}

void run(benchmark::State& state, const policy& p, std::string_view room_kind) {
    const auto& lines = corpus();
    const sender who{42, "student"};
    std::size_t i = static_cast<std::size_t>(state.thread_index()) * 97, bytes = 0;
    for (auto _ : state) {
        const auto& text = lines[i++ % lines.size()];
        bytes += text.size();
        benchmark::DoNotOptimize(evaluate(p, room_kind, who, text));
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void BM_EvaluateDefaultPolicy(benchmark::State& state) { run(state, default_policy(), ""); }
void BM_EvaluateDefaultPlus1000Rules(benchmark::State& state) { run(state, large_policy(), ""); }
void BM_EvaluateDefaultPlus1000RulesSocialGroup(benchmark::State& state) {
    run(state, large_policy(), "social_group");
}
void BM_CompileDefaultPlus1000Rules(benchmark::State& state) {
    const std::string toml = large_policy_toml();
    for (auto _ : state) benchmark::DoNotOptimize(parse_policy(toml, "default+extra"));
}

// Compile outside the timed loops.
const bool warmed = [] {
    (void)default_policy();
    (void)large_policy();
    return true;
}();

}  // namespace

BENCHMARK(BM_EvaluateDefaultPolicy);
BENCHMARK(BM_EvaluateDefaultPlus1000Rules);
BENCHMARK(BM_EvaluateDefaultPlus1000Rules)->Threads(2)->UseRealTime();
BENCHMARK(BM_EvaluateDefaultPlus1000RulesSocialGroup);
BENCHMARK(BM_CompileDefaultPlus1000Rules)->Unit(benchmark::kMillisecond)->Iterations(3);
