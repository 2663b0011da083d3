// The latency histogram: bucket arithmetic, percentiles within the promised precision, merge.
#include "circles/bench/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>

namespace circles::bench {
namespace {

using h = latency_histogram;

TEST(LatencyHistogram, BucketsCoverEveryValueWithoutGapsOrOverlap) {
    for (std::size_t b = 0; b < h::bucket_of(std::numeric_limits<std::uint64_t>::max()); ++b) {
        ASSERT_EQ(h::bucket_of(h::bucket_lowest(b)), b) << b;
        ASSERT_EQ(h::bucket_of(h::bucket_highest(b)), b) << b;
        ASSERT_EQ(h::bucket_lowest(b + 1), h::bucket_highest(b) + 1) << b;
    }
    EXPECT_EQ(h::bucket_highest(h::bucket_of(std::numeric_limits<std::uint64_t>::max())),
              std::numeric_limits<std::uint64_t>::max());
}

TEST(LatencyHistogram, BucketWidthStaysWithinPrecision) {
    for (std::uint64_t v : {std::uint64_t{1000}, std::uint64_t{123456}, std::uint64_t{987654321},
                            std::uint64_t{1} << 40}) {
        const auto b = h::bucket_of(v);
        const double width = static_cast<double>(h::bucket_highest(b) - h::bucket_lowest(b) + 1);
        EXPECT_LE(width / static_cast<double>(v), 1.0 / 128) << v;
    }
}

TEST(LatencyHistogram, SmallValuesAreExact) {
    h hist;
    for (std::uint64_t v = 0; v < 100; ++v) hist.record(v);
    EXPECT_EQ(hist.percentile(50), 49u);
    EXPECT_EQ(hist.percentile(100), 99u);
    EXPECT_EQ(hist.percentile(0), 0u);
    EXPECT_EQ(hist.min(), 0u);
    EXPECT_EQ(hist.max(), 99u);
    EXPECT_DOUBLE_EQ(hist.mean(), 49.5);
}

TEST(LatencyHistogram, PercentilesOfAUniformSpreadAreWithinOnePercent) {
    h hist;
    // 1 us .. 100 ms in 1 us steps, shuffled: order must not matter.
    std::vector<std::uint64_t> values;
    for (std::uint64_t us = 1; us <= 100'000; ++us) values.push_back(us * 1000);
    std::shuffle(values.begin(), values.end(), std::mt19937_64(7));
    for (auto v : values) hist.record(v);
    EXPECT_EQ(hist.count(), 100'000u);
    for (double p : {50.0, 90.0, 99.0, 99.9}) {
        const double want = p / 100.0 * 100'000 * 1000;
        EXPECT_NEAR(static_cast<double>(hist.percentile(p)), want, want / 100) << p;
    }
    EXPECT_EQ(hist.percentile(100), 100'000'000u);
    EXPECT_EQ(hist.max(), 100'000'000u);
    EXPECT_EQ(hist.min(), 1000u);
}

TEST(LatencyHistogram, ATailShowsInTheHighPercentilesOnly) {
    h hist;
    for (int i = 0; i < 9990; ++i) hist.record(1'000'000);  // 1 ms
    for (int i = 0; i < 10; ++i) hist.record(500'000'000);  // 500 ms
    EXPECT_NEAR(static_cast<double>(hist.percentile(50)), 1e6, 1e6 / 100);
    EXPECT_NEAR(static_cast<double>(hist.percentile(99)), 1e6, 1e6 / 100);
    EXPECT_NEAR(static_cast<double>(hist.percentile(99.9)), 1e6, 1e6 / 100);
    EXPECT_NEAR(static_cast<double>(hist.percentile(99.95)), 5e8, 5e8 / 100);
    EXPECT_EQ(hist.max(), 500'000'000u);
}

TEST(LatencyHistogram, PercentileNeverExceedsMaxOrUndercutsMin) {
    h hist;
    hist.record(1'000'001);
    EXPECT_EQ(hist.percentile(50), 1'000'001u);
    EXPECT_EQ(hist.percentile(99.9), 1'000'001u);
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
    h a, b, all;
    for (std::uint64_t v = 1; v < 5000; v += 3) {
        (v % 2 ? a : b).record(v * 997);
        all.record(v * 997);
    }
    a.merge(b);
    EXPECT_EQ(a.count(), all.count());
    EXPECT_EQ(a.min(), all.min());
    EXPECT_EQ(a.max(), all.max());
    EXPECT_DOUBLE_EQ(a.mean(), all.mean());
    for (double p : {1.0, 50.0, 99.0, 100.0}) EXPECT_EQ(a.percentile(p), all.percentile(p));
    h empty;
    a.merge(empty);
    EXPECT_EQ(a.count(), all.count());
    empty.merge(all);
    EXPECT_EQ(empty.min(), all.min());
}

TEST(LatencyHistogram, EmptyReportsZeros) {
    h hist;
    EXPECT_EQ(hist.count(), 0u);
    EXPECT_EQ(hist.percentile(99), 0u);
    EXPECT_EQ(hist.min(), 0u);
    EXPECT_EQ(hist.max(), 0u);
    EXPECT_EQ(hist.mean(), 0.0);
}

TEST(LatencyHistogram, HugeValuesDoNotOverflow) {
    h hist;
    hist.record(std::numeric_limits<std::uint64_t>::max());
    hist.record(1);
    EXPECT_EQ(hist.percentile(100), std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(hist.percentile(50), 1u);
}

}  // namespace
}  // namespace circles::bench
