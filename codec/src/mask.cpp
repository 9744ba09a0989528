#include "wsprobe/mask.hpp"

#include <atomic>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define WSPROBE_MASK_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WSPROBE_MASK_UNDER_ASAN 1
#endif
#endif

namespace wsprobe::codec {
namespace {

// Vectors of N bytes through the compiler's vector extensions: one AVX2 register or two SSE2
// ones. Loads and stores go through
// memcpy, so any alignment is fine. Compilers do not vectorize the byte loop themselves because
// the key might alias the data.
// (GCC drops vector_size on a dependent alias template, hence one specialization per width.)
template <size_t N>
struct Vec;
#define WSPROBE_MASK_VEC(N)                                 \
  template <>                                               \
  struct Vec<N> {                                           \
    using bytes = uint8_t __attribute__((vector_size(N)));  \
    using words = uint32_t __attribute__((vector_size(N))); \
  };
WSPROBE_MASK_VEC(32)
WSPROBE_MASK_VEC(16)
WSPROBE_MASK_VEC(8)
#undef WSPROBE_MASK_VEC
template <>
struct Vec<4> {
  using bytes = uint32_t;
  using words = uint32_t;
};
template <size_t N>
using Bytes = typename Vec<N>::bytes;
template <size_t N>
using Words = typename Vec<N>::words;

// The key as a word, rotated so that its first byte applies to the byte at payload offset
// `offset`.
[[gnu::always_inline]] inline uint32_t key_word(uint32_t k32, uint64_t offset) {
  const auto shift = static_cast<int>(8 * (offset & 3));
  return std::endian::native == std::endian::little ? std::rotr(k32, shift) : std::rotl(k32, shift);
}

// dst[0, N) = src[0, N) ^ the key word repeated. Vectors stay inside (none is an argument or a
// result), so no vector crosses a call boundary in the baseline clone.
template <size_t N>
[[gnu::always_inline]] inline void xor_window(uint8_t* dst, const uint8_t* src, uint32_t k) {
  Words<N> kw = {};
  kw += k;
  Bytes<N> kv;
  std::memcpy(&kv, &kw, N);
  Bytes<N> v;
  std::memcpy(&v, src, N);
  v ^= kv;
  std::memcpy(dst, &v, N);
}

// N <= n <= 2N bytes as two windows of N, the second ending at the last byte. Both are read
// before either is written, so the bytes where they overlap get the same value from both stores
// (XOR applied twice would undo itself).
template <size_t N>
[[gnu::always_inline]] inline void mask_two_windows(uint8_t* p, size_t n, uint32_t k) {
  uint8_t second[N];
  xor_window<N>(second, p + n - N, key_word(k, n - N));
  xor_window<N>(p, p, k);
  std::memcpy(p + n - N, second, N);
}

#if defined(__x86_64__) && !defined(__clang_analyzer__)
#define WSPROBE_MASK_AVX512 1
#endif

#if WSPROBE_MASK_AVX512
// AVX-512BW: 64 bytes per register. Under 64 bytes, one masked load, XOR and store. From 64 up,
// the last 64 bytes are one more window, read before anything is written (see
// mask_two_windows), as memcpy does: a 125-byte control frame is two loads, two XORs and two
// stores. (Masked stores are slow on AMD's Zen, so they never run in the loop's place.)
//
// From 64 up the code is asm in registers zmm16-zmm21, which only EVEX code uses: SSE code that
// runs after it pays no transition for them, so it needs no vzeroupper, as glibc's memcpy does.
// With intrinsics the compiler picks zmm0-15 and adds a vzeroupper on the way out: an eighth of
// a control frame's time.
__attribute__((target("avx512f,avx512bw,bmi2"))) void mask_avx512(uint8_t* p, size_t n,
                                                                  uint32_t k32) {
  if (n < 64) {
    const __mmask64 m = _bzhi_u64(~uint64_t{0}, static_cast<unsigned>(n));
    _mm512_mask_storeu_epi8(
        p, m,
        _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, p), _mm512_set1_epi32(static_cast<int>(k32))));
    return;
  }
  const size_t last = n - 64;
  if (n <= 128) [[likely]] {
    // No loop for a control frame (RFC 6455 5.5: 125 bytes at most), laid out as the
    // fall-through path.
    const uint32_t tail_key = key_word(k32, last);
    asm("vpbroadcastd %[k], %%zmm16\n\t"
        "vpbroadcastd %[tk], %%zmm17\n\t"
        "vpxord (%[p]), %%zmm16, %%zmm16\n\t"
        "vpxord (%[p],%[last]), %%zmm17, %%zmm17\n\t"
        "vmovdqu64 %%zmm16, (%[p])\n\t"
        "vmovdqu64 %%zmm17, (%[p],%[last])"
        :
        : [p] "r"(p), [last] "r"(last), [k] "r"(k32), [tk] "r"(tail_key)
        : "memory", "xmm16", "xmm17");
    return;
  }
  const uint32_t tail_key = key_word(k32, last);
  // zmm16: the key; zmm17: the last window, XORed before the loop writes over its first bytes;
  // then 256 bytes per turn, then 64, then the last window. Volatile: its only output (the
  // index) is unused after it.
  size_t i = 0;
  asm volatile(
      "vpbroadcastd %[k], %%zmm16\n\t"
      "vpbroadcastd %[tk], %%zmm17\n\t"
      "vpxord (%[p],%[last]), %%zmm17, %%zmm17\n\t"
      "jmp 2f\n"
      "1:\n\t"
      "vpxord (%[p],%[i]), %%zmm16, %%zmm18\n\t"
      "vpxord 64(%[p],%[i]), %%zmm16, %%zmm19\n\t"
      "vpxord 128(%[p],%[i]), %%zmm16, %%zmm20\n\t"
      "vpxord 192(%[p],%[i]), %%zmm16, %%zmm21\n\t"
      "vmovdqu64 %%zmm18, (%[p],%[i])\n\t"
      "vmovdqu64 %%zmm19, 64(%[p],%[i])\n\t"
      "vmovdqu64 %%zmm20, 128(%[p],%[i])\n\t"
      "vmovdqu64 %%zmm21, 192(%[p],%[i])\n\t"
      "add $256, %[i]\n"
      "2:\n\t"
      "lea 256(%[i]), %%rax\n\t"
      "cmp %[last], %%rax\n\t"
      "jbe 1b\n\t"
      "jmp 4f\n"
      "3:\n\t"
      "vpxord (%[p],%[i]), %%zmm16, %%zmm18\n\t"
      "vmovdqu64 %%zmm18, (%[p],%[i])\n\t"
      "add $64, %[i]\n"
      "4:\n\t"
      "cmp %[last], %[i]\n\t"
      "jb 3b\n\t"
      "vmovdqu64 %%zmm17, (%[p],%[last])"
      : [i] "+r"(i)
      : [p] "r"(p), [last] "r"(last), [k] "r"(k32), [tk] "r"(tail_key)
      : "rax", "cc", "memory", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21");
}
#endif

}  // namespace

namespace detail {

// Without AVX-512: the widest of AVX2 and SSE2 the CPU has, picked at load time. Not static, so
// that mask_test checks it on machines that would pick AVX-512. GCC only: clang 14 names the
// clones apart from the declaration, so mask_test would not link (the sanitizer and fuzz builds,
// which are clang's, get the SSE2 version).
#if defined(__x86_64__) && !defined(__clang__)
#define WSPROBE_MASK_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define WSPROBE_MASK_CLONES
#endif

WSPROBE_MASK_CLONES
void mask_portable(uint8_t* p, size_t n, uint32_t k32) {
  constexpr size_t V = 32;
  // No byte-at-a-time tail: any size is covered by overlapping windows, as memcpy does.
  if (n >= 2 * V) {
    // The last window is read before any byte is written (see mask_two_windows); every full
    // window before it covers a multiple of 4 bytes, so the key's phase stays put.
    const size_t last = n - V;
    uint8_t tail[V];
    xor_window<V>(tail, p + last, key_word(k32, last));
    for (size_t i = 0; i < last; i += V)
      xor_window<V>(p + i, p + i, k32);
    std::memcpy(p + last, tail, V);
  } else if (n >= 32) {
    mask_two_windows<32>(p, n, k32);
  } else if (n >= 16) {
    mask_two_windows<16>(p, n, k32);
  } else if (n >= 8) {
    mask_two_windows<8>(p, n, k32);
  } else if (n >= 4) {
    mask_two_windows<4>(p, n, k32);
  } else {
    uint8_t k[4];
    std::memcpy(k, &k32, 4);
    for (size_t i = 0; i < n; ++i)
      p[i] ^= k[i];
  }
}

}  // namespace detail

namespace {

using MaskFn = void (*)(uint8_t*, size_t, uint32_t);

MaskFn pick_implementation() {
#if WSPROBE_MASK_AVX512
  if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("bmi2")) return mask_avx512;
#endif
  return detail::mask_portable;
}

void mask_first_call(uint8_t* p, size_t n, uint32_t k32);

// The implementation for this CPU, chosen at the first call (as an ifunc would, but an ifunc
// resolver runs before the sanitizers' runtimes are up): afterwards a call costs one load and
// one indirect jump. Relaxed: every thread that races on the first call stores the same value.
std::atomic<MaskFn> implementation{mask_first_call};

void mask_first_call(uint8_t* p, size_t n, uint32_t k32) {
  const MaskFn f = pick_implementation();
  implementation.store(f, std::memory_order_relaxed);
  f(p, n, k32);
}

}  // namespace

void mask_bytes(uint8_t* p, size_t n, uint32_t k32) {
#if WSPROBE_MASK_UNDER_ASAN
  // AddressSanitizer checks a masked AVX-512 load or store lane by lane (64 checks each), a
  // window of the portable path with one check: under ASan (the fuzz targets, whose payloads are
  // mostly small and read in small pieces) less than a register goes the portable way.
  if (n < 64) return detail::mask_portable(p, n, k32);
#endif
  implementation.load(std::memory_order_relaxed)(p, n, k32);
}

}  // namespace wsprobe::codec
