#include "commands/bench_latency.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace wsprobe::harness {

// Values below 128 ns have a bucket each; above, a value's top 7 bits pick its bucket within
// its power of two: [64, 127] << shift, shift >= 1.
unsigned LatencyHistogram::bucket(uint64_t ns) {
  if (ns < linear) return static_cast<unsigned>(ns);
  const unsigned shift =
      std::min<unsigned>(static_cast<unsigned>(std::bit_width(ns)) - (sub_bits + 1), max_shift);
  const uint64_t top = std::min<uint64_t>(ns >> shift, linear - 1);
  return linear + (shift - 1) * (1U << sub_bits) + static_cast<unsigned>(top - (linear / 2));
}

uint64_t LatencyHistogram::upper_bound(unsigned b) {
  if (b < linear) return b;
  const unsigned shift = (b - linear) / (1U << sub_bits) + 1;
  const uint64_t top = (b - linear) % (1U << sub_bits) + linear / 2;
  return ((top + 1) << shift) - 1;
}

void LatencyHistogram::add(uint64_t ns) {
  ++counts_[bucket(ns)];
  ++count_;
  max_ = std::max(max_, ns);
  sum_ += static_cast<double>(ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (unsigned b = 0; b < buckets; ++b)
    counts_[b] += other.counts_[b];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double LatencyHistogram::mean() const {
  return count_ == 0 ? 0 : sum_ / static_cast<double>(count_);
}

uint64_t LatencyHistogram::percentile(double fraction) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<uint64_t>(std::ceil(fraction * static_cast<double>(count_)));
  uint64_t seen = 0;
  for (unsigned b = 0; b < buckets; ++b) {
    seen += counts_[b];
    if (seen >= std::max<uint64_t>(rank, 1)) return std::min(upper_bound(b), max_);
  }
  return max_;
}

}  // namespace wsprobe::harness
