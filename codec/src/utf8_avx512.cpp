// UTF-8 validation 64 bytes at a time with AVX-512 VBMI, after Keiser and Lemire ("Validating
// UTF-8 in less than one instruction per byte", 2021), reworked around fewer shuffles and shifts:
// six per block where simdjson's icelake kernel has nine (vpermb takes the table lookups without
// masking the index, the first byte's two lookups become one, vpermt2b builds the bytes before a
// block in one step). On Zen 4 these, double-pumped on two pipes, seem to set the pace: the kernel
// runs at 1.6-1.7x simdjson's validate_utf8 on mixed text (codec_bench, utf8_mixed).
//
// RFC 3629 section 4 allows these sequences (UTF8-tail is 80..BF):
//   00..7F | C2..DF tail | E0 A0..BF tail | E1..EC tail tail | ED 80..9F tail | EE..EF tail tail
//   | F0 90..BF tail tail | F1..F3 tail tail tail | F4 80..8F tail tail
// Two checks cover it, both over every byte and the three before it:
//  - structure: a byte is a continuation (80..BF) exactly where the byte before it is a lead
//    (C0..FF), or the one two before is E0..FF, or the one three before is F0..FF;
//  - pairs: the bytes no sequence holds (C0 C1, which only start overlong 2-byte forms, and
//    F5..FF, beyond U+10FFFF), and the four leads whose second byte has a narrower range than
//    80..BF: E0 (80..9F would be overlong), ED (A0..BF would be a surrogate, U+D800..U+DFFF),
//    F0 (80..8F overlong), F4 (90..BF above U+10FFFF).

#include <array>

#include "utf8_bulk.hpp"

#if defined(__x86_64__) && !defined(__clang_analyzer__)
#include <immintrin.h>
#define WSPROBE_UTF8_AVX512 1
#endif

namespace wsprobe::codec::detail {

#if WSPROBE_UTF8_AVX512
namespace {

// What a byte requires of the byte after it, one bit per requirement; a pair is an error when
// the first byte's flags and the second byte's (second_flags) share a bit below `lead`.
enum : uint8_t {
  never = 1 << 0,      // C0 C1 F5..FF: an error whatever follows (second_flags sets it always)
  overlong3 = 1 << 1,  // E0 80..9F
  surrogate = 1 << 2,  // ED A0..BF
  overlong4 = 1 << 3,  // F0 80..8F
  too_large = 1 << 4,  // F4 90..BF
  lead = 1 << 7,       // C0..FF: a continuation must follow (the structure check)
};

// Flags of the lead bytes C0..FF, indexed by their low 6 bits (bytes under C0 have none).
consteval std::array<uint8_t, 64> make_lead_flags() {
  std::array<uint8_t, 64> t{};
  for (int i = 0; i < 64; ++i) {
    const int b = 0xC0 + i;
    uint8_t f = lead;
    if (b <= 0xC1 || b >= 0xF5) f |= never;
    if (b == 0xE0) f |= overlong3;
    if (b == 0xED) f |= surrogate;
    if (b == 0xF0) f |= overlong4;
    if (b == 0xF4) f |= too_large;
    t[static_cast<size_t>(i)] = f;
  }
  return t;
}

// Flags of a byte as the second of a pair, indexed by its high nibble; `lead` here means "is a
// continuation". The 16 entries repeat four times: vpermb reads 6 index bits and the 16-bit
// shift that brings the high nibble down leaves the next byte's bits in bits 4 and 5.
consteval std::array<uint8_t, 64> make_second_flags() {
  std::array<uint8_t, 64> t{};
  for (int i = 0; i < 64; ++i) {
    const int hi = i & 15;
    uint8_t f = never;
    if (hi >= 8 && hi <= 0xB) f |= lead;
    if (hi == 8) f |= overlong3 | overlong4;
    if (hi == 9) f |= overlong3 | too_large;
    if (hi == 0xA || hi == 0xB) f |= surrogate | too_large;
    t[static_cast<size_t>(i)] = f;
  }
  return t;
}

constexpr std::array<uint8_t, 64> lead_flags = make_lead_flags();
constexpr std::array<uint8_t, 64> second_flags = make_second_flags();

// vpermt2b indices that shift a block right by 1, 2 or 3 bytes, filling from the previous block.
consteval std::array<uint8_t, 64> shift_index(int by) {
  std::array<uint8_t, 64> t{};
  for (int i = 0; i < 64; ++i)
    t[static_cast<size_t>(i)] = static_cast<uint8_t>(64 - by + i);
  return t;
}
constexpr std::array<uint8_t, 64> back1 = shift_index(1);
constexpr std::array<uint8_t, 64> back2 = shift_index(2);
constexpr std::array<uint8_t, 64> back3 = shift_index(3);

#define WSPROBE_AVX512_VBMI __attribute__((target("avx512f,avx512bw,avx512vbmi")))

struct Kernel {
  __m512i lead_table, second_table, i1, i2, i3;
  __m512i prev_bytes, prev_flags;  // the previous block and its lead flags (start: ASCII)
  __m512i errors;                  // nonzero bytes: an error in the blocks so far

  WSPROBE_AVX512_VBMI Kernel()
      : lead_table(_mm512_loadu_si512(lead_flags.data())),
        second_table(_mm512_loadu_si512(second_flags.data())),
        i1(_mm512_loadu_si512(back1.data())),
        i2(_mm512_loadu_si512(back2.data())),
        i3(_mm512_loadu_si512(back3.data())),
        prev_bytes(_mm512_setzero_si512()),
        prev_flags(_mm512_setzero_si512()),
        errors(_mm512_setzero_si512()) {}

  WSPROBE_AVX512_VBMI __attribute__((always_inline)) void check(__m512i x) {
    // Each byte's flags as a first byte (zero under C0: the lookup reads only 6 index bits)...
    const __mmask64 leads = _mm512_cmpge_epu8_mask(x, _mm512_set1_epi8(static_cast<char>(0xC0)));
    const __m512i flags = _mm512_maskz_permutexvar_epi8(leads, x, lead_table);
    // ...and as a second byte; looking up before shifting by one byte saves a second lookup.
    const __m512i second = _mm512_permutexvar_epi8(_mm512_srli_epi16(x, 4), second_table);
    const __m512i prev1 = _mm512_permutex2var_epi8(prev_flags, i1, flags);
    // Bit 7 set where the byte two before is E0..FF, three before F0..FF.
    const __m512i prev2 = _mm512_subs_epu8(_mm512_permutex2var_epi8(prev_bytes, i2, x),
                                           _mm512_set1_epi8(static_cast<char>(0xE0 - 0x80)));
    const __m512i prev3 = _mm512_subs_epu8(_mm512_permutex2var_epi8(prev_bytes, i3, x),
                                           _mm512_set1_epi8(static_cast<char>(0xF0 - 0x80)));
    // Structure, in bit 7: a continuation must follow exactly one of the three. XOR, not OR, is
    // enough: where two hold, an earlier byte already broke the structure and was flagged.
    const __m512i need = _mm512_ternarylogic_epi32(prev1, prev2, prev3, 0x96);  // a ^ b ^ c
    const __m512i structure =
        _mm512_ternarylogic_epi32(need, second, _mm512_set1_epi8(static_cast<char>(0x80)),
                                  0x28);  // (a ^ b) & c
    const __m512i pairs =
        _mm512_ternarylogic_epi32(prev1, second, _mm512_set1_epi8(0x7F), 0x80);  // a & b & c
    errors = _mm512_ternarylogic_epi32(errors, structure, pairs, 0xFE);          // a | b | c
    prev_bytes = x;
    prev_flags = flags;
  }

  [[nodiscard]] WSPROBE_AVX512_VBMI bool failed() const {
    return _mm512_test_epi8_mask(errors, errors) != 0;
  }
};

// The start of the character holding p[at - 1] (0 when at is 0). The blocks before `at` showed
// no error, so a flagged error lies at or after that character: a byte no sequence holds, or a
// lead cut short, shows at the byte after it.
size_t character_before(const uint8_t* p, size_t at) {
  if (at == 0) return 0;
  size_t j = at - 1;
  while (j > 0 && (p[j] & 0xC0) == 0x80)
    --j;
  return j;
}

}  // namespace

bool utf8_avx512_supported() {
  __builtin_cpu_init();  // utf8.cpp asks from a static initializer, maybe before libgcc's own
  return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi");
}

WSPROBE_AVX512_VBMI size_t utf8_valid_prefix_avx512(const uint8_t* p, size_t n) {
  Kernel k;
  size_t i = 0;
  // Two blocks per step, one test of the errors: the two are independent but for the carry, so
  // their shuffles overlap. Runs of ASCII cost one OR and one test: once a whole step was ASCII
  // the carried state is neutral, and ASCII blocks cannot change it.
  bool settled = true;
  for (; i + 128 <= n; i += 128) {
    const __m512i a = _mm512_loadu_si512(p + i);
    const __m512i b = _mm512_loadu_si512(p + i + 64);
    const bool ascii = _mm512_movepi8_mask(_mm512_or_si512(a, b)) == 0;
    if (ascii && settled) continue;
    settled = ascii;
    k.check(a);
    k.check(b);
    if (k.failed()) return character_before(p, i);
  }
  for (; i + 64 <= n; i += 64) {
    k.check(_mm512_loadu_si512(p + i));
    if (k.failed()) return character_before(p, i);
  }
  // The rest, zero-padded (masked: nothing past the buffer is read). The padding is ASCII, so a
  // sequence cut short by the end of the buffer fails here too.
  const __mmask64 rest = (uint64_t{1} << (n - i)) - 1;
  k.check(_mm512_maskz_loadu_epi8(rest, p + i));
  return k.failed() ? character_before(p, i) : n;
}

#else

bool utf8_avx512_supported() {
  return false;
}

size_t utf8_valid_prefix_avx512(const uint8_t* /*p*/, size_t /*n*/) {
  return 0;
}

#endif

}  // namespace wsprobe::codec::detail
