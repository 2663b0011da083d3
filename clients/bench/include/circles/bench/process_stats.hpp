#pragma once
// What the benchmark reads about the server process, and about itself, from /proc.
#include <cstdint>
#include <optional>
#include <string_view>

namespace circles::bench {

// VmRSS of /proc/PID/status in bytes; nullopt if the process is gone or the line is missing.
std::optional<std::uint64_t> read_rss_bytes(int pid);
// The VmRSS line of a status file's text ("VmRSS:\t  12345 kB"), in bytes.
std::optional<std::uint64_t> parse_vm_rss(std::string_view status_text);

// User plus system CPU time of the process in seconds (/proc/PID/stat fields 14 and 15).
std::optional<double> read_cpu_seconds(int pid);
// The same from the text of a stat file; the command name may hold spaces and parentheses.
std::optional<double> parse_stat_cpu_seconds(std::string_view stat_text, long ticks_per_second);

// This process's own CPU time, every thread, split into user and kernel (getrusage). The
// generator reports its own over the window: where the kernel's share alone fills its cores,
// no faster generator could receive more on them.
struct cpu_split {
    double user_s = 0;
    double system_s = 0;
};
std::optional<cpu_split> read_own_cpu();

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force.
std::uint64_t raise_open_file_limit();

}  // namespace circles::bench
