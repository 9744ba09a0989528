#include "head_scan.hpp"

#include <bit>
#include <cstring>

#include "ascii.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#define WSPROBE_HEAD_AVX512 1
#endif

namespace wsprobe::codec {
namespace {

// Sixteen bytes at a time through the compiler's vector extensions (SSE2 on x86-64).
using V16 = uint8_t __attribute__((vector_size(16)));

// The index of the first set byte of a comparison's result, if any.
bool first_hit(V16 hit, size_t& index) {
  uint64_t w[2];
  std::memcpy(w, &hit, sizeof(w));
  if (w[0] != 0) {
    index = static_cast<size_t>(std::countr_zero(w[0])) / 8;
    return true;
  }
  if (w[1] != 0) {
    index = 8 + static_cast<size_t>(std::countr_zero(w[1])) / 8;
    return true;
  }
  return false;
}

size_t first_special_16(const char* s, size_t n) {
  size_t i = 0;
  for (; i + sizeof(V16) <= n; i += sizeof(V16)) {
    V16 v;
    std::memcpy(&v, s + i, sizeof(V16));
    size_t at = 0;
    if (first_hit(((v < 0x20) & (v != '\t')) | (v == 0x7F), at)) return i + at;
  }
  for (; i < n; ++i) {
    if (ascii::is_field_ctl(s[i])) return i;
  }
  return n;
}

size_t end_candidate_16(const char* s, size_t from, size_t n) {
  size_t i = from;
  for (; i + sizeof(V16) + 1 <= n; i += sizeof(V16)) {
    V16 here;
    V16 next;
    std::memcpy(&here, s + i, sizeof(V16));
    std::memcpy(&next, s + i + 1, sizeof(V16));
    size_t at = 0;
    if (first_hit((here == '\n') & ((next == '\n') | (next == '\r')), at)) return i + at;
  }
  for (; i + 1 < n; ++i) {
    if (s[i] == '\n' && (s[i + 1] == '\n' || s[i + 1] == '\r')) return i;
  }
  return n;
}

#if WSPROBE_HEAD_AVX512

// tchar as two 16-entry tables for a byte's low and high nibble (the usual shuffle lookup):
// low[l] has bit h set when the byte 16h + l is a tchar, high[h] is bit h (none for h >= 8,
// which are not ASCII), so the byte is a tchar when low[l] & high[h] is not zero.
consteval std::array<uint8_t, 16> tchar_by_low_nibble() {
  std::array<uint8_t, 16> t{};
  for (size_t c = 0; c < 128; ++c) {
    if (ascii::is(static_cast<char>(c), ascii::tchar))
      t[c % 16] |= static_cast<uint8_t>(1 << (c / 16));
  }
  return t;
}
constexpr std::array<uint8_t, 16> tchar_low = tchar_by_low_nibble();
constexpr std::array<uint8_t, 16> tchar_high = {1, 2, 4, 8, 16, 32, 64, 128};

__attribute__((target("avx512f,avx512bw"))) __m512i load_table(const std::array<uint8_t, 16>& t) {
  return _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t.data())));
}

// Both bitmaps of every 64-byte block of s[0, n); the bits past n are clear.
__attribute__((target("avx512f,avx512bw"))) void classify_avx512(const char* s, size_t n,
                                                                 uint64_t* words) {
  const __m512i low_table = load_table(tchar_low);
  const __m512i high_table = load_table(tchar_high);
  const __m512i nibble = _mm512_set1_epi8(0x0F);
  for (size_t i = 0, b = 0; i < n; i += 64, ++b) {
    const __mmask64 valid = n - i >= 64 ? ~__mmask64{0} : (__mmask64{1} << (n - i)) - 1;
    const __m512i v = _mm512_maskz_loadu_epi8(valid, s + i);
    const __mmask64 control = _mm512_cmplt_epu8_mask(v, _mm512_set1_epi8(0x20)) &
                              _mm512_cmpneq_epi8_mask(v, _mm512_set1_epi8('\t'));
    const __mmask64 del = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x7F));
    const __m512i low = _mm512_shuffle_epi8(low_table, _mm512_and_si512(v, nibble));
    const __m512i high =
        _mm512_shuffle_epi8(high_table, _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble));
    const __mmask64 tchar = _mm512_test_epi8_mask(low, high);
    words[2 * b] = (control | del) & valid;
    words[2 * b + 1] = ~tchar & valid;
  }
}

__attribute__((target("avx512f,avx512bw"))) size_t end_candidate_avx512(const char* s, size_t from,
                                                                        size_t n) {
  // An LF at i < n - 1 and the byte after it, loaded one byte on.
  for (size_t i = from; i + 1 < n; i += 64) {
    const size_t left = n - 1 - i;
    const __mmask64 valid = left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1;
    const __m512i here = _mm512_maskz_loadu_epi8(valid, s + i);
    const __m512i next = _mm512_maskz_loadu_epi8(valid, s + i + 1);
    const __mmask64 hit = _mm512_cmpeq_epi8_mask(here, _mm512_set1_epi8('\n')) &
                          (_mm512_cmpeq_epi8_mask(next, _mm512_set1_epi8('\n')) |
                           _mm512_cmpeq_epi8_mask(next, _mm512_set1_epi8('\r'))) &
                          valid;
    if (hit != 0) return i + static_cast<size_t>(std::countr_zero(hit));
  }
  return n;
}

#endif

}  // namespace

#if WSPROBE_HEAD_AVX512
bool detail::head_scan_avx512 = __builtin_cpu_supports("avx512bw") != 0;
#else
bool detail::head_scan_avx512 = false;
#endif

size_t end_candidate(const char* s, size_t from, size_t n) {
#if WSPROBE_HEAD_AVX512
  if (detail::head_scan_avx512) return end_candidate_avx512(s, from, n);
#endif
  return end_candidate_16(s, from, n);
}

HeadScan::HeadScan(std::string_view head) : head_(head) {
#if WSPROBE_HEAD_AVX512
  if (!detail::head_scan_avx512) return;
  blocks_ = (head.size() + 63) / 64;
  if (blocks_ > inline_blocks) heap_.resize(2 * blocks_);
  classify_avx512(head.data(), head.size(), words());
#endif
}

size_t HeadScan::scan_special(size_t from) const {
  return from + first_special_16(head_.data() + from, head_.size() - from);
}

size_t HeadScan::scan_non_tchar(size_t from) const {
  return from + ascii::tchar_prefix(head_.substr(from));
}

}  // namespace wsprobe::codec
