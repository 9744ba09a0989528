#include "wsprobe/mask.hpp"

#include <cstring>

namespace wsprobe::codec {
namespace {

// 16-byte vectors: SSE2 on the x86-64 baseline, NEON on arm64. Loads and stores go through
// memcpy, so any alignment is fine. Compilers do not vectorize the byte loop themselves because
// the key might alias the data.
using Block = uint8_t __attribute__((vector_size(16)));

}  // namespace

void apply_mask(std::span<uint8_t> data, MaskKey key, uint64_t offset) {
  uint8_t* p = data.data();
  size_t n = data.size();
  // Rotate the key so that k[0] applies to p[0]; every block below is a multiple of 4 bytes, so
  // the phase stays put.
  std::array<uint8_t, 4> k{};
  for (size_t i = 0; i < 4; ++i) k[i] = key[(offset + i) & 3];

  if (n >= sizeof(Block)) {
    Block kb;
    for (size_t i = 0; i < sizeof(Block); ++i) kb[i] = k[i & 3];
    for (; n >= 4 * sizeof(Block); p += 4 * sizeof(Block), n -= 4 * sizeof(Block)) {
      Block b[4];
      std::memcpy(b, p, sizeof(b));
      b[0] ^= kb;
      b[1] ^= kb;
      b[2] ^= kb;
      b[3] ^= kb;
      std::memcpy(p, b, sizeof(b));
    }
    for (; n >= sizeof(Block); p += sizeof(Block), n -= sizeof(Block)) {
      Block b;
      std::memcpy(&b, p, sizeof(b));
      b ^= kb;
      std::memcpy(p, &b, sizeof(b));
    }
  }
  if (n >= 8) {
    uint64_t k8 = 0;
    uint64_t w = 0;
    std::memcpy(&k8, k.data(), 4);
    std::memcpy(reinterpret_cast<uint8_t*>(&k8) + 4, k.data(), 4);
    std::memcpy(&w, p, 8);
    w ^= k8;
    std::memcpy(p, &w, 8);
    p += 8;
    n -= 8;
  }
  for (size_t i = 0; i < n; ++i) p[i] ^= k[i & 3];
}

}  // namespace wsprobe::codec
