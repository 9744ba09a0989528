#pragma once
// RFC 6455 5.3 masking: out[i] = in[i] ^ key[(offset + i) % 4]. Word-wide; `offset` is the position
// of data[0] in the payload, so a payload split across reads can be unmasked piece by piece.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace wsprobe::codec {

using MaskKey = std::array<uint8_t, 4>;

void apply_mask(std::span<uint8_t> data, MaskKey key, uint64_t offset = 0);

}  // namespace wsprobe::codec
