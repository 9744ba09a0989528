#include "wsprobe/utf8.hpp"

#include <array>
#include <cstring>

namespace wsprobe::codec {
namespace {

// A shift-based DFA over RFC 3629's well-formed byte sequences (its table 3-7). Each byte has one
// 64-bit row holding the next state for every current state, 6 bits each, and a state *is* the
// shift that selects its slot: next = row[byte] >> state. One shift per byte is a one-cycle
// dependency chain, where a two-table DFA needs two dependent loads.
enum State : uint8_t {
  accept,
  reject,
  tail1,     // one continuation byte 80..BF to go
  tail2,     // two to go
  tail3,     // three to go
  after_e0,  // A0..BF, then one: no overlong 3-byte forms
  after_ed,  // 80..9F, then one: no surrogates U+D800..U+DFFF
  after_f0,  // 90..BF, then two: no overlong 4-byte forms
  after_f4,  // 80..8F, then two: nothing above U+10FFFF
  state_count,
};

consteval uint8_t next_state(uint8_t s, uint8_t b) {
  auto in = [b](int lo, int hi) { return b >= lo && b <= hi; };
  switch (s) {
    case accept:
      if (b <= 0x7F) return accept;
      if (in(0xC2, 0xDF)) return tail1;
      if (b == 0xE0) return after_e0;
      if (b == 0xED) return after_ed;
      if (in(0xE1, 0xEF)) return tail2;
      if (b == 0xF0) return after_f0;
      if (in(0xF1, 0xF3)) return tail3;
      if (b == 0xF4) return after_f4;
      return reject;  // 80..BF stray continuation, C0 C1 overlong leads, F5..FF
    case tail1:
      return in(0x80, 0xBF) ? accept : reject;
    case tail2:
      return in(0x80, 0xBF) ? tail1 : reject;
    case tail3:
      return in(0x80, 0xBF) ? tail2 : reject;
    case after_e0:
      return in(0xA0, 0xBF) ? tail1 : reject;
    case after_ed:
      return in(0x80, 0x9F) ? tail1 : reject;
    case after_f0:
      return in(0x90, 0xBF) ? tail2 : reject;
    case after_f4:
      return in(0x80, 0x8F) ? tail2 : reject;
    default:
      return reject;
  }
}

consteval uint64_t shift_of(uint8_t s) {
  return uint64_t{s} * 6;
}

consteval std::array<uint64_t, 256> make_rows() {
  std::array<uint64_t, 256> rows{};
  for (int b = 0; b < 256; ++b) {
    uint64_t row = 0;
    for (uint8_t s = 0; s < state_count; ++s) {
      row |= shift_of(next_state(s, static_cast<uint8_t>(b))) << shift_of(s);
    }
    rows[static_cast<size_t>(b)] = row;
  }
  return rows;
}

constexpr std::array<uint64_t, 256> rows = make_rows();
constexpr uint64_t accept_shift = shift_of(accept);
constexpr uint64_t reject_shift = shift_of(reject);
constexpr size_t block = 16;

// Only the low 6 bits of a state matter; x86 shifts ignore the rest, so the mask costs nothing.
inline uint64_t step(uint64_t state, uint8_t byte) {
  return rows[byte] >> (state & 63);
}

inline bool is_ascii_block(const uint8_t* p) {
  uint64_t a = 0;
  uint64_t b = 0;
  std::memcpy(&a, p, 8);
  std::memcpy(&b, p + 8, 8);
  return ((a | b) & 0x8080808080808080ULL) == 0;
}

}  // namespace

bool Utf8Validator::feed(std::span<const uint8_t> bytes) {
  if (failure_) return false;
  const uint8_t* p = bytes.data();
  const size_t n = bytes.size();
  uint64_t st = state_;
  size_t i = 0;
  while (i < n) {
    // Skip whole ASCII blocks only between code points; a block that is not all ASCII goes through
    // the DFA in full, so mixed text pays one test per 16 bytes, not a branch per byte.
    if (st == accept_shift && n - i >= block && is_ascii_block(p + i)) {
      i += block;
      continue;
    }
    const size_t start = i;
    const uint64_t start_state = st;
    const size_t end = (n - i < block) ? n : i + block;
    for (; i < end; ++i)
      st = step(st, p[i]);
    st &= 63;
    if (st == reject_shift) {
      // Rescan the block to name the first impossible byte (reject is absorbing).
      st = start_state;
      size_t j = start;
      while ((step(st, p[j]) & 63) != reject_shift)
        st = step(st, p[j++]);
      failure_ = fed_ + j;
      state_ = reject_shift;
      fed_ += n;
      return false;
    }
  }
  state_ = st;
  fed_ += n;
  return true;
}

bool Utf8Validator::finish() {
  if (failure_) return false;
  if (state_ != accept_shift) {
    failure_ = fed_;  // a sequence still open at the end of the message
    return false;
  }
  return true;
}

bool is_valid_utf8(std::span<const uint8_t> bytes) {
  Utf8Validator v;
  return v.feed(bytes) && v.finish();
}

}  // namespace wsprobe::codec
