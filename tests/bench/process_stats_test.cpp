// What the benchmark reads from /proc.
#include "circles/bench/process_stats.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

namespace circles::bench {
namespace {

TEST(ProcessStats, ParsesVmRss) {
    const std::string status =
        "Name:\tcircles\nVmPeak:\t  999999 kB\nVmRSS:\t   12345 kB\nRssAnon:\t 1 kB\n";
    EXPECT_EQ(parse_vm_rss(status), 12345u * 1024);
    EXPECT_FALSE(parse_vm_rss("Name:\tx\n"));
    EXPECT_FALSE(parse_vm_rss("VmRSS:\t lots kB\n"));
    EXPECT_FALSE(parse_vm_rss("VmRSS:\t 12 MB\n"));
}

TEST(ProcessStats, ParsesCpuTimeEvenWithParenthesesInTheName) {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    const std::string stat = "4242 (a (weird) name) S 1 2 3 4 5 6 7 8 9 10 250 150 0 0 20 0";
    EXPECT_DOUBLE_EQ(*parse_stat_cpu_seconds(stat, 100), 4.0);
    EXPECT_FALSE(parse_stat_cpu_seconds("4242 (x) S 1 2", 100));
    EXPECT_FALSE(parse_stat_cpu_seconds("garbage", 100));
}

TEST(ProcessStats, ReadsThisProcess) {
    const auto rss = read_rss_bytes(static_cast<int>(::getpid()));
    ASSERT_TRUE(rss);
    EXPECT_GT(*rss, 0u);
    EXPECT_TRUE(read_cpu_seconds(static_cast<int>(::getpid())));
    EXPECT_FALSE(read_rss_bytes(0));
}

TEST(ProcessStats, RaisesTheOpenFileLimitToTheHardLimit) {
    const auto now = raise_open_file_limit();
    rlimit lim{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
    EXPECT_EQ(now, static_cast<std::uint64_t>(lim.rlim_cur));
    EXPECT_EQ(lim.rlim_cur, lim.rlim_max);
}

}  // namespace
}  // namespace circles::bench
