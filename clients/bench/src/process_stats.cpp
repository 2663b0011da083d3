#include "circles/bench/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace circles::bench {

namespace {

std::optional<std::string> slurp(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string_view skip_blanks(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return s;
}

}  // namespace

std::optional<std::uint64_t> parse_vm_rss(std::string_view text) {
    constexpr std::string_view key = "VmRSS:";
    std::size_t at = 0;
    while (at < text.size()) {
        const auto eol = text.find('\n', at);
        std::string_view line = text.substr(at, eol == std::string_view::npos ? eol : eol - at);
        at = eol == std::string_view::npos ? text.size() : eol + 1;
        if (!line.starts_with(key)) continue;
        line = skip_blanks(line.substr(key.size()));
        std::uint64_t kib = 0;
        const auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), kib);
        if (ec != std::errc{}) return std::nullopt;
        const auto unit = skip_blanks(line.substr(static_cast<std::size_t>(ptr - line.data())));
        if (!unit.starts_with("kB")) return std::nullopt;
        return kib * 1024;
    }
    return std::nullopt;
}

std::optional<std::uint64_t> read_rss_bytes(int pid) {
    if (pid <= 0) return std::nullopt;
    const auto text = slurp("/proc/" + std::to_string(pid) + "/status");
    if (!text) return std::nullopt;
    return parse_vm_rss(*text);
}

std::optional<double> parse_stat_cpu_seconds(std::string_view text, long ticks_per_second) {
    // "PID (COMM) STATE PPID ...": COMM may hold anything, so count fields after the last ')'.
    const auto close = text.rfind(')');
    if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
    std::string_view rest = text.substr(close + 1);
    // Fields after COMM start at 3 (state); utime is 14 and stime 15, i.e. the 12th and 13th.
    std::uint64_t values[2] = {0, 0};
    for (int field = 3; field <= 15; ++field) {
        rest = skip_blanks(rest);
        const auto end = rest.find(' ');
        const auto token = rest.substr(0, end);
        if (token.empty()) return std::nullopt;
        if (field >= 14) {
            const auto [ptr, ec] =
                std::from_chars(token.data(), token.data() + token.size(), values[field - 14]);
            if (ec != std::errc{} || ptr != token.data() + token.size()) return std::nullopt;
        }
        if (end == std::string_view::npos) {
            if (field < 15) return std::nullopt;
            break;
        }
        rest.remove_prefix(end);
    }
    return static_cast<double>(values[0] + values[1]) / static_cast<double>(ticks_per_second);
}

std::optional<double> read_cpu_seconds(int pid) {
    if (pid <= 0) return std::nullopt;
    const auto text = slurp("/proc/" + std::to_string(pid) + "/stat");
    if (!text) return std::nullopt;
    return parse_stat_cpu_seconds(*text, ::sysconf(_SC_CLK_TCK));
}

std::optional<cpu_split> read_own_cpu() {
    rusage use{};
    if (::getrusage(RUSAGE_SELF, &use) != 0) return std::nullopt;
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return cpu_split{seconds(use.ru_utime), seconds(use.ru_stime)};
}

std::uint64_t raise_open_file_limit() {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
    if (lim.rlim_cur < lim.rlim_max) {
        rlimit raised = lim;
        raised.rlim_cur = lim.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
    }
    return static_cast<std::uint64_t>(lim.rlim_cur);
}

}  // namespace circles::bench
