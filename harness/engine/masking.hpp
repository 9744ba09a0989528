#pragma once
// Judging the masking keys a client sends (RFC 6455 5.3: "a new masking key ... for each frame",
// "derived from a strong source of entropy"; 10.3: the key must be unpredictable). The tester
// sees only the keys, so it judges what a uniform 32-bit source would not produce: zero keys,
// repeated keys, and keys stepping by a constant (a counter). Each is a finding only when its
// count is one a uniform source reaches less than once in 10^9 runs of that many frames, so a
// correct client is never blamed, even over a run of millions of frames (where a repeat or two is
// expected by the birthday bound), and a client reusing one key is caught from its second frame.

#include <cstdint>
#include <string>
#include <unordered_set>

#include "wsprobe/mask.hpp"

namespace wsprobe::harness {

class MaskingJudge {
 public:
  void add(const codec::MaskKey& key);
  void add(uint32_t key);
  // "" when the keys look uniform; otherwise what is wrong ("3 of 4 frames reuse a key seen
  // before ...").
  [[nodiscard]] std::string finding() const;
  // One line for the run's summary: the counts, then the finding or "OK".
  [[nodiscard]] std::string summary() const;
  [[nodiscard]] uint64_t frames() const { return frames_; }
  [[nodiscard]] uint64_t zero_keys() const { return zero_; }
  [[nodiscard]] uint64_t repeated_keys() const { return repeats_; }
  [[nodiscard]] uint64_t stepped_keys() const { return same_step_; }

  // Keys remembered for repeats; past this, repeats are counted among the remembered ones only.
  static constexpr size_t max_remembered = size_t{1} << 20;  // about 40 MiB at most

 private:
  uint64_t frames_ = 0;
  uint64_t zero_ = 0;
  uint64_t repeats_ = 0;
  uint64_t same_step_ = 0;  // frames whose key differs from the previous by the previous step
  uint32_t last_ = 0;
  uint32_t step_ = 0;
  std::unordered_set<uint32_t> seen_;
};

// The key as the 32-bit number the wire carries (big-endian).
uint32_t key_value(const codec::MaskKey& key);

// True when a uniform source gives `count` or more such events, `expected` on average, less than
// once in 10^9 (a Poisson tail).
bool surprising(uint64_t count, double expected);

}  // namespace wsprobe::harness
