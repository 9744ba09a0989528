#include "wsprobe/mask.hpp"

#include <bit>
#include <cstring>

namespace wsprobe::codec {
namespace {

// 32-byte vectors: one AVX2 register, or two SSE2 ones on the x86-64 baseline. Loads and stores
// go through memcpy, so any alignment is fine. Compilers do not vectorize the byte loop
// themselves because the key might alias the data.
using Block = uint8_t __attribute__((vector_size(32)));

}  // namespace

// x86-64 picks the AVX2 clone at load time where the CPU has it (perf-anchors.md: the in-cache
// XOR limit is about twice what SSE2 reaches).
#if defined(__x86_64__) && !defined(__clang_analyzer__)
#define WSPROBE_MASK_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define WSPROBE_MASK_CLONES
#endif

WSPROBE_MASK_CLONES
void apply_mask(std::span<uint8_t> data, MaskKey key, uint64_t offset) {
  uint8_t* p = data.data();
  size_t n = data.size();
  // The key as a word, rotated so that its first byte applies to p[0]; every step below covers a
  // multiple of 4 bytes, so the phase stays put.
  uint32_t k32 = 0;
  std::memcpy(&k32, key.data(), 4);
  const auto shift = static_cast<int>(8 * (offset & 3));
  k32 = std::endian::native == std::endian::little ? std::rotr(k32, shift) : std::rotl(k32, shift);
  const uint64_t k64 = (uint64_t{k32} << 32) | k32;

  if (n >= sizeof(Block)) {
    const uint64_t words[4] = {k64, k64, k64, k64};
    Block kb;
    std::memcpy(&kb, words, sizeof(kb));
    // Vectors stay local (no helper takes or returns one), so no vector crosses a call boundary
    // in the baseline clone.
    for (; n >= 4 * sizeof(Block); p += 4 * sizeof(Block), n -= 4 * sizeof(Block)) {
      Block b0;
      Block b1;
      Block b2;
      Block b3;
      std::memcpy(&b0, p, sizeof(Block));
      std::memcpy(&b1, p + sizeof(Block), sizeof(Block));
      std::memcpy(&b2, p + 2 * sizeof(Block), sizeof(Block));
      std::memcpy(&b3, p + 3 * sizeof(Block), sizeof(Block));
      b0 ^= kb;
      b1 ^= kb;
      b2 ^= kb;
      b3 ^= kb;
      std::memcpy(p, &b0, sizeof(Block));
      std::memcpy(p + sizeof(Block), &b1, sizeof(Block));
      std::memcpy(p + 2 * sizeof(Block), &b2, sizeof(Block));
      std::memcpy(p + 3 * sizeof(Block), &b3, sizeof(Block));
    }
    for (; n >= sizeof(Block); p += sizeof(Block), n -= sizeof(Block)) {
      Block b;
      std::memcpy(&b, p, sizeof(Block));
      b ^= kb;
      std::memcpy(p, &b, sizeof(Block));
    }
  }
  if (n >= 16) {
    uint64_t w[2];
    std::memcpy(w, p, 16);
    w[0] ^= k64;
    w[1] ^= k64;
    std::memcpy(p, w, 16);
    p += 16;
    n -= 16;
  }
  if (n >= 8) {
    uint64_t w = 0;
    std::memcpy(&w, p, 8);
    w ^= k64;
    std::memcpy(p, &w, 8);
    p += 8;
    n -= 8;
  }
  uint8_t k[8];
  std::memcpy(k, &k64, 8);
  for (size_t i = 0; i < n; ++i)
    p[i] ^= k[i];
}

}  // namespace wsprobe::codec
