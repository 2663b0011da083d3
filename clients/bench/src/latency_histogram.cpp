#include "circles/bench/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace circles::bench {

// For v >= 2^p with highest set bit m, the top p+1 bits t = v >> (m - p) lie in [2^p, 2^(p+1));
// the bucket is (m - p + 1) * 2^p + (t - 2^p). At m = p that is v itself, so the linear and the
// logarithmic ranges join without a gap.
std::size_t latency_histogram::bucket_of(std::uint64_t value) {
    if (value < sub_buckets) return static_cast<std::size_t>(value);
    const unsigned m = static_cast<unsigned>(std::bit_width(value)) - 1;
    const unsigned shift = m - precision_bits;
    const std::uint64_t top = value >> shift;
    return static_cast<std::size_t>((shift + 1) * sub_buckets + (top - sub_buckets));
}

std::uint64_t latency_histogram::bucket_lowest(std::size_t bucket) {
    if (bucket < sub_buckets) return bucket;
    const std::uint64_t group = bucket / sub_buckets;  // shift + 1
    const std::uint64_t top = sub_buckets + bucket % sub_buckets;
    return top << (group - 1);
}

std::uint64_t latency_histogram::bucket_highest(std::size_t bucket) {
    if (bucket < sub_buckets) return bucket;
    const std::uint64_t group = bucket / sub_buckets;
    const std::uint64_t width = std::uint64_t{1} << (group - 1);
    return bucket_lowest(bucket) + (width - 1);
}

void latency_histogram::record(std::uint64_t value_ns) {
    const auto b = bucket_of(value_ns);
    if (b >= counts_.size()) counts_.resize(b + 1, 0);
    ++counts_[b];
    min_ = count_ == 0 ? value_ns : std::min(min_, value_ns);
    max_ = std::max(max_, value_ns);
    ++count_;
    sum_ += static_cast<double>(value_ns);
}

void latency_histogram::merge(const latency_histogram& other) {
    if (other.count_ == 0) return;
    if (other.counts_.size() > counts_.size()) counts_.resize(other.counts_.size(), 0);
    for (std::size_t i = 0; i < other.counts_.size(); ++i) counts_[i] += other.counts_[i];
    min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    count_ += other.count_;
    sum_ += other.sum_;
}

std::uint64_t latency_histogram::percentile(double percent) const {
    if (count_ == 0) return 0;
    percent = std::clamp(percent, 0.0, 100.0);
    // The rank of the value asked for, 1-based: at least one value, at most all of them. The
    // small slack keeps 99.9 % of 10000 at rank 9990, where binary floating point gives
    // 9990.000000000002 and a plain ceil would step past it.
    const double exact = percent / 100.0 * static_cast<double>(count_);
    auto rank = static_cast<std::uint64_t>(std::ceil(exact - 1e-9 * std::max(1.0, exact)));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < counts_.size(); ++b) {
        seen += counts_[b];
        if (seen >= rank) return std::min(std::max(bucket_highest(b), min_), max_);
    }
    return max_;
}

}  // namespace circles::bench
