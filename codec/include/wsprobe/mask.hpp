#pragma once
// RFC 6455 5.3 masking: out[i] = in[i] ^ key[(offset + i) % 4]. Word-wide; `offset` is the position
// of data[0] in the payload, so a payload split across reads can be unmasked piece by piece.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace wsprobe::codec {

using MaskKey = std::array<uint8_t, 4>;

// XORs n bytes at p with the key word k32 (the key's bytes in memory order, already rotated to
// the payload offset of p[0]); the CPU's widest implementation, chosen when the program loads.
void mask_bytes(uint8_t* p, size_t n, uint32_t k32);

// Inline, so a small control frame pays one call, as a memcpy of its size does.
inline void apply_mask(std::span<uint8_t> data, MaskKey key, uint64_t offset = 0) {
  uint32_t k32 = 0;
  std::memcpy(&k32, key.data(), 4);
  // Rotate so that the key's byte (offset % 4) applies to data[0].
  const auto shift = static_cast<int>(8 * (offset & 3));
  k32 = std::endian::native == std::endian::little ? std::rotr(k32, shift) : std::rotl(k32, shift);
  mask_bytes(data.data(), data.size(), k32);
}

}  // namespace wsprobe::codec
