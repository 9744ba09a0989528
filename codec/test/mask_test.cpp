#include "wsprobe/mask.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace wsprobe::codec {
namespace detail {
void mask_portable(uint8_t* p, size_t n, uint32_t k32);  // mask.cpp: the path without AVX-512
}  // namespace detail
namespace {

std::vector<uint8_t> naive(std::vector<uint8_t> data, MaskKey key, uint64_t offset) {
  for (size_t i = 0; i < data.size(); ++i)
    data[i] ^= key[(offset + i) % 4];
  return data;
}

std::vector<uint8_t> bytes(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<uint8_t>(i * 31 + 7);
  return v;
}

TEST(Mask, MatchesRfcExample) {
  // RFC 6455 5.7: "Hello" masked with 37 fa 21 3d.
  std::vector<uint8_t> data{0x48, 0x65, 0x6c, 0x6c, 0x6f};
  apply_mask(data, {0x37, 0xfa, 0x21, 0x3d});
  EXPECT_EQ(data, (std::vector<uint8_t>{0x7f, 0x9f, 0x4d, 0x51, 0x58}));
}

// Up to 700 bytes: every window size, the 4-window loop with each remainder, and the last
// window overlapping the loop's.
TEST(Mask, EqualsByteLoopForEverySizeOffsetAndAlignment) {
  const MaskKey key{0xa1, 0x02, 0xf3, 0x64};
  for (size_t n = 0; n <= 700; ++n) {
    for (uint64_t offset = 0; offset < 4; ++offset) {
      for (size_t misalign = 0; misalign < 3; ++misalign) {
        auto buf = bytes(n + misalign);
        std::vector<uint8_t> expect =
            naive({buf.begin() + static_cast<long>(misalign), buf.end()}, key, offset);
        apply_mask(std::span(buf).subspan(misalign), key, offset);
        ASSERT_EQ(std::vector<uint8_t>(buf.begin() + static_cast<long>(misalign), buf.end()),
                  expect)
            << "n=" << n << " offset=" << offset << " misalign=" << misalign;
      }
    }
  }
}

TEST(Mask, PathWithoutAvx512EqualsByteLoopForEverySize) {
  const MaskKey key{0xa1, 0x02, 0xf3, 0x64};
  uint32_t k32 = 0;
  std::memcpy(&k32, key.data(), 4);
  for (size_t n = 0; n <= 700; ++n) {
    auto buf = bytes(n + 1);
    const std::vector<uint8_t> expect = naive({buf.begin() + 1, buf.end()}, key, 0);
    detail::mask_portable(buf.data() + 1, n, k32);
    ASSERT_EQ(std::vector<uint8_t>(buf.begin() + 1, buf.end()), expect) << "n=" << n;
  }
}

TEST(Mask, UnmaskingInPiecesEqualsUnmaskingWhole) {
  const MaskKey key{1, 2, 3, 4};
  const auto original = bytes(1000);
  auto whole = original;
  apply_mask(whole, key);
  for (size_t cut : {1u, 3u, 5u, 63u, 64u, 65u, 517u}) {
    auto pieces = original;
    apply_mask(std::span(pieces).first(cut), key, 0);
    apply_mask(std::span(pieces).subspan(cut), key, cut);
    EXPECT_EQ(pieces, whole) << "cut at " << cut;
  }
}

TEST(Mask, IsItsOwnInverse) {
  const MaskKey key{0xde, 0xad, 0xbe, 0xef};
  const auto original = bytes(4096 + 3);
  auto data = original;
  apply_mask(data, key, 2);
  EXPECT_NE(data, original);
  apply_mask(data, key, 2);
  EXPECT_EQ(data, original);
}

}  // namespace
}  // namespace wsprobe::codec
