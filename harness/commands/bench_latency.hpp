#pragma once
// `wsprobe bench`'s latency record: a log-linear histogram of round-trip times in nanoseconds
// (64 buckets per power of two, so a percentile is within 1.6 % of the sample it stands for),
// of fixed size whatever the number of samples: millions of echoes a second cost no memory.

#include <array>
#include <cstdint>

namespace wsprobe::harness {

class LatencyHistogram {
 public:
  void add(uint64_t ns);
  void merge(const LatencyHistogram& other);

  [[nodiscard]] uint64_t count() const { return count_; }
  [[nodiscard]] uint64_t max() const { return max_; }
  [[nodiscard]] double mean() const;
  // The smallest bucket bound with at least `fraction` of the samples at or below it, never
  // above max(): p50 <= p90 <= p99 <= max() always holds. 0 when there are no samples.
  [[nodiscard]] uint64_t percentile(double fraction) const;

 private:
  static constexpr unsigned sub_bits = 6;             // 64 buckets per power of two
  static constexpr unsigned linear = 2U << sub_bits;  // values below 128 ns: one bucket each
  static constexpr unsigned max_shift = 40;           // up to 2^47 ns (39 hours)
  static constexpr unsigned buckets = linear + max_shift * (1U << sub_bits);
  static unsigned bucket(uint64_t ns);
  static uint64_t upper_bound(unsigned bucket);

  std::array<uint64_t, buckets> counts_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace wsprobe::harness
