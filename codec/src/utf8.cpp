#include "wsprobe/utf8.hpp"

#include <simdjson.h>

#include <array>
#include <cstring>

#include "utf8_bulk.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace wsprobe::codec {

// Read once: the answer cannot change. Before this initializer runs (another file's static
// initializer validating), it is false and simdjson answers, which is slower, not wrong.
bool detail::utf8_bulk_avx512 = detail::utf8_avx512_supported();

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
// Under this many bytes the DFA beats a call into the bulk path (its fixed cost is a 64-byte
// block).
constexpr size_t bulk_min = 64;
// simdjson answers yes or no; a rejected run is re-checked in blocks of this size so that the DFA,
// which names the byte, only scans the one block holding the first error.
constexpr size_t locate_block = 16 << 10;

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

inline bool is_continuation(uint8_t b) {
  return (b & 0xC0) == 0x80;
}

// The bytes a sequence starting with `lead` spans; 1 for ASCII and for bytes that cannot start
// one (the DFA or simdjson rejects those wherever they fall).
inline size_t sequence_length(uint8_t lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

// Where the last character of p[0, n) starts when it is cut short by the end of the buffer, else
// n: the bulk validator then sees only whole characters, and the at most 3 bytes left over go
// through the DFA, which carries them to the next feed.
size_t complete_prefix(const uint8_t* p, size_t n) {
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const uint8_t b = p[n - back];
    if (is_continuation(b)) continue;
    return sequence_length(b) > back ? n - back : n;
  }
  return n;
}

#if defined(__x86_64__) && !defined(__clang_analyzer__)
// The length of the all-ASCII 64-byte blocks that start p[0, n), four registers per step: ASCII
// needs no more than an OR of the bytes, which runs at the cache's speed, where simdjson checks
// every block for the start of a multi-byte sequence. Mixed text leaves within the first 256
// bytes.
__attribute__((target("avx512f,avx512bw"))) size_t ascii_blocks_avx512(const uint8_t* p, size_t n) {
  size_t i = 0;
  for (; i + 256 <= n; i += 256) {
    const __m512i a = _mm512_or_si512(_mm512_loadu_si512(p + i), _mm512_loadu_si512(p + i + 64));
    const __m512i b =
        _mm512_or_si512(_mm512_loadu_si512(p + i + 128), _mm512_loadu_si512(p + i + 192));
    if (_mm512_movepi8_mask(_mm512_or_si512(a, b)) != 0) break;
  }
  for (; i + 64 <= n; i += 64) {
    if (_mm512_movepi8_mask(_mm512_loadu_si512(p + i)) != 0) break;
  }
  return i;
}

size_t ascii_blocks(const uint8_t* p, size_t n) {
  return __builtin_cpu_supports("avx512bw") ? ascii_blocks_avx512(p, n) : 0;
}
#else
size_t ascii_blocks(const uint8_t* /*p*/, size_t /*n*/) {
  return 0;
}
#endif

// True when p[0, n) is complete, valid UTF-8, by simdjson (the path for CPUs without the
// AVX-512 kernel): the ASCII blocks at its start, then simdjson for the rest (an ASCII byte ends
// a character, so the rest starts on a boundary).
bool simdjson_valid(const uint8_t* p, size_t n) {
  const size_t ascii = ascii_blocks(p, n);
  return ascii == n || simdjson::validate_utf8(reinterpret_cast<const char*>(p + ascii), n - ascii);
}

struct DfaResult {
  uint64_t state;
  size_t consumed;  // up to the end, or the index of the first rejected byte
};

// The DFA from `st` over p[0, n), stopping at the first byte it rejects (reject is absorbing).
DfaResult run_dfa(uint64_t st, const uint8_t* p, size_t n) {
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
      // Rescan the block to name the first impossible byte.
      st = start_state;
      size_t j = start;
      while ((step(st, p[j]) & 63) != reject_shift)
        st = step(st, p[j++]);
      return {reject_shift, j};
    }
  }
  return {st, n};
}

// Where the first error of p[0, n) lies at or after, given that simdjson rejected the run (which
// starts on a character boundary): the start of the first block of locate_block bytes, cut
// between characters, that simdjson rejects. The DFA then runs from there.
size_t first_rejected_block(const uint8_t* p, size_t n) {
  size_t at = 0;
  while (n - at > locate_block) {
    size_t end = at + locate_block;
    for (int k = 0; k < 3 && is_continuation(p[end]); ++k)
      --end;  // cut between characters
    if (!simdjson_valid(p + at, end - at)) break;
    at = end;
  }
  return at;
}

// The length of a prefix of p[0, n) (which starts on a character boundary) of whole, valid
// characters that ends at or before the first error; n when all of it is valid. ASCII blocks at
// the start go by a plain scan; then the AVX-512 kernel, which stops at the 128 bytes holding
// the first error, or simdjson, which says yes or no for the whole run.
size_t valid_prefix(const uint8_t* p, size_t n) {
  const size_t ascii = ascii_blocks(p, n);
  if (ascii == n) return n;
  if (detail::utf8_bulk_avx512)
    return ascii + detail::utf8_valid_prefix_avx512(p + ascii, n - ascii);
  if (simdjson::validate_utf8(reinterpret_cast<const char*>(p + ascii), n - ascii)) return n;
  return ascii + first_rejected_block(p + ascii, n - ascii);
}

}  // namespace

bool Utf8Validator::feed(std::span<const uint8_t> bytes) {
  if (failure_) return false;
  const uint8_t* p = bytes.data();
  const size_t n = bytes.size();
  auto fail = [&](size_t at) {
    failure_ = fed_ + at;
    state_ = reject_shift;
    fed_ += n;
    return false;
  };
  size_t i = 0;
  uint64_t st = state_;
  if (n >= bulk_min) {
    // Finish the character the previous feed cut (at most 3 bytes), then hand the bulk path
    // every whole character that follows.
    while (st != accept_shift && i < n) {
      st = step(st, p[i]) & 63;
      if (st == reject_shift) return fail(i);
      ++i;
    }
    const size_t end = i + complete_prefix(p + i, n - i);
    // The DFA names the byte, from where the bulk path's valid prefix ends to the end of the
    // feed: a run rejected only for a sequence cut short at its end fails on the byte after it.
    i += valid_prefix(p + i, end - i);
  }
  const DfaResult r = run_dfa(st, p + i, n - i);
  if (r.state == reject_shift) return fail(i + r.consumed);
  state_ = r.state;
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
