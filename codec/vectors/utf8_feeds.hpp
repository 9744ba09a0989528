#pragma once
// Feeding a Utf8Validator in pieces, for the tests: where it fails whatever the read sizes.

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "wsprobe/utf8.hpp"

namespace wsprobe::vectors {

// The offset Utf8Validator names for `b` fed in pieces of `chunk` bytes (the length for a
// sequence cut short at the end), or -1 when `b` is valid.
inline int64_t utf8_fail_offset(const std::vector<uint8_t>& b, size_t chunk) {
  codec::Utf8Validator v;
  for (size_t at = 0; at < b.size(); at += chunk) {
    const size_t n = std::min(chunk, b.size() - at);
    if (!v.feed(std::span(b).subspan(at, n))) return static_cast<int64_t>(*v.failure_offset());
  }
  if (!v.finish()) return static_cast<int64_t>(*v.failure_offset());
  return -1;
}

}  // namespace wsprobe::vectors
