// When a slow batch is worth a warning: the threshold, one line per interval, and the count of
// the slow batches that line did not report.
#include <gtest/gtest.h>

#include <chrono>

#include "append_queue.hpp"

namespace circles::storage::detail {
namespace {

using namespace std::chrono_literals;
using clock = slow_commit_log::clock;

TEST(SlowCommitLog, WarnsAtTheThresholdWithTheDurationsAndTheBatchSize) {
    slow_commit_log log({100ms, 60s});
    const auto t = clock::time_point{} + 1h;
    EXPECT_FALSE(log.batch_done(3, 90ms, 99ms, t));
    const auto line = log.batch_done(8, 183ms, 190ms, t + 1ms);
    ASSERT_TRUE(line);
    EXPECT_EQ(*line,
              "storage: slow commit: a send waited 190 ms for its commit (8 in the batch, "
              "committed in 183 ms; warned over 100 ms)");
}

TEST(SlowCommitLog, OneLinePerIntervalCountingTheSlowBatchesBetween) {
    slow_commit_log log({100ms, 60s});
    const auto t = clock::time_point{} + 1h;
    ASSERT_TRUE(log.batch_done(1, 150ms, 150ms, t));
    EXPECT_FALSE(log.batch_done(1, 200ms, 200ms, t + 1s));
    EXPECT_FALSE(log.batch_done(1, 10ms, 20ms, t + 2s));  // fast: not counted
    EXPECT_FALSE(log.batch_done(1, 300ms, 300ms, t + 59s));
    const auto next = log.batch_done(2, 120ms, 130ms, t + 60s);
    ASSERT_TRUE(next);
    EXPECT_NE(next->find("a send waited 130 ms"), std::string::npos) << *next;
    EXPECT_NE(next->find("; 2 more slow batches since the last warning"), std::string::npos)
        << *next;
    // The count starts again after each line.
    const auto after = log.batch_done(1, 500ms, 500ms, t + 121s);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->find("more slow batches"), std::string::npos) << *after;
}

TEST(SlowCommitLog, AZeroThresholdNeverWarns) {
    slow_commit_log log({0ms, 0ms});
    EXPECT_FALSE(log.batch_done(1, 10s, 10s, clock::time_point{} + 1h));
}

}  // namespace
}  // namespace circles::storage::detail
