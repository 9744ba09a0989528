#pragma once
// Incremental, fail-fast UTF-8 validation (RFC 6455 8.1, RFC 3629). The validator rejects at the
// first byte that cannot start or continue a well-formed sequence (overlongs, surrogates, code
// points above U+10FFFF, bytes C0 C1 F5..FF, stray continuations), whatever the read or fragment
// boundaries; a sequence still open at the end of the message is rejected by finish().
//
// Whole characters are checked in bulk (after a plain scan over leading ASCII): by our own AVX-512
// kernel where the CPU has AVX-512 VBMI, else by simdjson's validate_utf8. A DFA handles what is
// cut at a feed's end (at most 3 bytes, carried to the next feed), short feeds, and, when the bulk
// check rejects a run, names the first offending byte.

#include <cstdint>
#include <optional>
#include <span>

namespace wsprobe::codec {

class Utf8Validator {
 public:
  // Feeds the next bytes. Returns false once the input so far cannot be a prefix of valid UTF-8;
  // failure_offset() then names the first offending byte.
  bool feed(std::span<const uint8_t> bytes);
  // True when everything fed is complete, valid UTF-8. When false, failure_offset() is set.
  bool finish();
  [[nodiscard]] bool failed() const { return failure_.has_value(); }
  // Offset (from the first byte ever fed) of the byte that made the input invalid; for a
  // truncated sequence at finish(), the total number of bytes fed.
  [[nodiscard]] std::optional<uint64_t> failure_offset() const { return failure_; }
  void reset() { *this = Utf8Validator{}; }

 private:
  uint64_t state_ = 0;  // DFA state, a shift amount (see utf8.cpp)
  uint64_t fed_ = 0;
  std::optional<uint64_t> failure_;
};

// Whole-buffer convenience: true when `bytes` is complete, valid UTF-8.
bool is_valid_utf8(std::span<const uint8_t> bytes);

}  // namespace wsprobe::codec
