#pragma once
// A latency histogram with logarithmic buckets, in the manner of HdrHistogram: values below
// 2^precision_bits nanoseconds have a bucket each; above that, every power of two is split
// into 2^precision_bits equal buckets, so a reported percentile is within 1/128 (0.8 %) of the
// true value at any magnitude. Recording is a few shifts and one increment, with no
// allocation once the range has been seen, so it can sit on the hot path of every message.
// count, min, max and mean are exact.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace circles::bench {

class latency_histogram {
  public:
    static constexpr unsigned precision_bits = 7;
    static constexpr std::uint64_t sub_buckets = std::uint64_t{1} << precision_bits;

    void record(std::uint64_t value_ns);
    void merge(const latency_histogram& other);

    std::uint64_t count() const { return count_; }
    std::uint64_t min() const { return count_ ? min_ : 0; }
    std::uint64_t max() const { return max_; }
    double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }

    // The smallest recorded value v such that at least `percent` % of the values are <= v,
    // reported as the highest value its bucket holds (never above max()). 0 when empty.
    std::uint64_t percentile(double percent) const;

    // Bucket arithmetic, public for the tests.
    static std::size_t bucket_of(std::uint64_t value);
    static std::uint64_t bucket_lowest(std::size_t bucket);
    static std::uint64_t bucket_highest(std::size_t bucket);

  private:
    std::vector<std::uint64_t> counts_;
    std::uint64_t count_ = 0;
    std::uint64_t min_ = 0;
    std::uint64_t max_ = 0;
    double sum_ = 0;
};

}  // namespace circles::bench
