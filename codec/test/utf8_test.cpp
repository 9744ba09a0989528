#include "wsprobe/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

#include "rfc6455_vectors.hpp"
#include "utf8_feeds.hpp"

namespace wsprobe::codec {
namespace {

using vectors::from_hex;

// An independent, deliberately plain decoder (Unicode table 3-7): the offset of the first byte
// that cannot be part of well-formed UTF-8, the length for a truncated end, or -1 when valid.
int64_t reference_fail_offset(const std::vector<uint8_t>& b) {
  size_t i = 0;
  while (i < b.size()) {
    const uint8_t c = b[i];
    uint32_t need = 0;
    uint8_t lo = 0x80;
    uint8_t hi = 0xBF;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return static_cast<int64_t>(i);
    }
    for (uint32_t k = 1; k <= need; ++k) {
      if (i + k >= b.size()) return static_cast<int64_t>(b.size());
      const uint8_t x = b[i + k];
      const uint8_t l = k == 1 ? lo : 0x80;
      const uint8_t h = k == 1 ? hi : 0xBF;
      if (x < l || x > h) return static_cast<int64_t>(i + k);
    }
    i += need + 1;
  }
  return -1;
}

TEST(Utf8, EveryAutobahnCategory6PayloadGetsItsVerdictAndFailOffset) {
  ASSERT_EQ(vectors::autobahn_utf8_vectors().size(), 136u);
  for (const auto& v : vectors::autobahn_utf8_vectors()) {
    const auto bytes = from_hex(v.hex);
    for (size_t chunk : {bytes.size() + 1, size_t{1}, size_t{2}, size_t{3}, size_t{16}}) {
      if (chunk == 0) continue;
      EXPECT_EQ(vectors::utf8_fail_offset(bytes, chunk), v.fail_at) << v.id << " chunk " << chunk;
    }
    EXPECT_EQ(reference_fail_offset(bytes), v.fail_at) << v.id << " (reference decoder)";
  }
}

TEST(Utf8, FailsAtTheSurrogateBeforeTheRestOfTheMessageArrives) {
  // rfc6455-facts.md: "κόσμε" then ed a0 80: the validator fails at ed a0, not at the end.
  Utf8Validator v;
  EXPECT_TRUE(v.feed(from_hex("cebae1bdb9cebcceb5")));
  EXPECT_TRUE(v.feed(from_hex("ed")));
  EXPECT_FALSE(v.feed(from_hex("a0")));
  EXPECT_EQ(v.failure_offset(), 10u);
  EXPECT_FALSE(v.feed(from_hex("41")));  // stays failed
}

TEST(Utf8, AcceptsCodePointSplitAcrossFeeds) {
  Utf8Validator v;
  EXPECT_TRUE(v.feed(from_hex("ce")));
  EXPECT_TRUE(v.feed(from_hex("ba")));
  EXPECT_TRUE(v.finish());
}

TEST(Utf8, RejectsTruncatedSequenceOnlyAtFinish) {
  Utf8Validator v;
  EXPECT_TRUE(v.feed(from_hex("41e282")));
  EXPECT_FALSE(v.finish());
  EXPECT_EQ(v.failure_offset(), 3u);
}

TEST(Utf8, AgreesWithReferenceOnEveryOneTwoAndThreeByteInput) {
  std::vector<uint8_t> b;
  for (int x = 0; x < 256; ++x) {
    b = {static_cast<uint8_t>(x)};
    ASSERT_EQ(vectors::utf8_fail_offset(b, 1), reference_fail_offset(b)) << x;
    for (int y = 0; y < 256; ++y) {
      b = {static_cast<uint8_t>(x), static_cast<uint8_t>(y)};
      ASSERT_EQ(vectors::utf8_fail_offset(b, 2), reference_fail_offset(b)) << x << " " << y;
    }
  }
  for (int x = 0xE0; x <= 0xF4; ++x) {
    for (int y = 0x70; y <= 0xC0; ++y) {
      for (int z = 0x70; z <= 0xC0; ++z) {
        b = {static_cast<uint8_t>(x), static_cast<uint8_t>(y), static_cast<uint8_t>(z), 0x80};
        ASSERT_EQ(vectors::utf8_fail_offset(b, 4), reference_fail_offset(b));
        ASSERT_EQ(vectors::utf8_fail_offset(b, 1), reference_fail_offset(b));
      }
    }
  }
}

TEST(Utf8, LongMixedTextInEveryChunkSizeUpTo40) {
  std::string text;
  for (int i = 0; i < 50; ++i)
    text += "ascii run of sixteen+ bytes κόσμε 𝄞 中文 ";
  std::vector<uint8_t> bytes(text.begin(), text.end());
  for (size_t chunk = 1; chunk <= 40; ++chunk)
    EXPECT_EQ(vectors::utf8_fail_offset(bytes, chunk), -1);
  bytes[bytes.size() / 2 + 20] = 0xFF;  // inside or after an ASCII block
  const int64_t expect = reference_fail_offset(bytes);
  ASSERT_GE(expect, 0);
  for (size_t chunk = 1; chunk <= 40; ++chunk)
    EXPECT_EQ(vectors::utf8_fail_offset(bytes, chunk), expect);
}

// Mixed text of at least `bytes` bytes: 1-, 2-, 3- and 4-byte characters in a fixed pseudo-random
// order (the bulk path's territory: long feeds, characters cut at every kind of boundary).
std::vector<uint8_t> mixed_text(size_t bytes) {
  const std::vector<std::vector<uint8_t>> chars = {
      {'a'}, {0xC2, 0xB5}, {0xE4, 0xB8, 0xAD}, {0xF0, 0x9D, 0x84, 0x9E}};
  std::vector<uint8_t> out;
  uint32_t x = 12345;
  while (out.size() < bytes) {
    x = x * 1103515245 + 12345;
    const auto& c = chars[(x >> 16) % 4];
    out.insert(out.end(), c.begin(), c.end());
  }
  return out;
}

TEST(Utf8, FailsOnTheLeadByteAfterASequenceCutShort) {
  // The bulk path stops before the last lead byte; the sequence before it is what is broken.
  std::vector<uint8_t> b(100, 'a');
  for (uint8_t x : {0xF4, 0x80, 0x80, 0xF4, 0x80, 0x80})
    b.push_back(x);
  for (size_t chunk : {b.size(), size_t{64}, size_t{101}, size_t{103}})
    EXPECT_EQ(vectors::utf8_fail_offset(b, chunk), 103) << "chunk " << chunk;
}

TEST(Utf8, LongValidTextPassesInEveryReadSize) {
  const auto text = mixed_text(100 << 10);
  for (size_t chunk : {text.size(), size_t{64}, size_t{65}, size_t{1000}, size_t{16385}})
    EXPECT_EQ(vectors::utf8_fail_offset(text, chunk), -1) << "chunk " << chunk;
}

// Inserts each breaker at offsets around the bulk path's blocks and reads; the validator must name
// the reference decoder's offset whatever the read size.
void check_every_breaker(const std::vector<uint8_t>& text) {
  const std::vector<std::vector<uint8_t>> breakers = {
      {0xFF}, {0x80}, {0xE4, 'a'}, {0xED, 0xA0, 0x80}, {0xC0, 0xAF}, {0xF4, 0x90, 0x80, 0x80}};
  // Around the ASCII blocks (64, 256 bytes), the 16 KiB locating blocks, 64 KiB reads, the start
  // and the end.
  for (size_t at :
       {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{255}, size_t{256}, size_t{300},
        size_t{16383}, size_t{16384}, size_t{16385}, size_t{32767}, size_t{32770}, size_t{65535},
        size_t{65536}, size_t{70000}, text.size() - 2, text.size() - 1}) {
    for (const auto& breaker : breakers) {
      auto b = text;
      // Inserted, not written over: an overwritten continuation byte may stay valid.
      b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), breaker.begin(), breaker.end());
      const int64_t expect = reference_fail_offset(b);
      ASSERT_GE(expect, 0);
      for (size_t chunk : {b.size(), size_t{65536}, size_t{4097}, size_t{64}, size_t{100}}) {
        ASSERT_EQ(vectors::utf8_fail_offset(b, chunk), expect)
            << "at " << at << " breaker " << int(breaker[0]) << " chunk " << chunk;
      }
      ASSERT_FALSE(is_valid_utf8(b));
    }
  }
}

TEST(Utf8, NamesTheFirstBadByteAnywhereInALongTextWhateverTheReads) {
  // Mixed text, and ASCII (which the bulk path skips 64 bytes at a time before simdjson).
  for (const auto& text : {mixed_text(100 << 10), std::vector<uint8_t>(100 << 10, 'a')}) {
    check_every_breaker(text);
  }
}

TEST(Utf8, LongAsciiTextPassesInEveryReadSize) {
  const std::vector<uint8_t> text(100 << 10, 'a');
  for (size_t chunk : {text.size(), size_t{64}, size_t{65}, size_t{1000}, size_t{16385}})
    EXPECT_EQ(vectors::utf8_fail_offset(text, chunk), -1) << "chunk " << chunk;
}

TEST(Utf8, WholeBufferHelperMatchesValidator) {
  EXPECT_TRUE(is_valid_utf8(from_hex("")));
  EXPECT_TRUE(is_valid_utf8(from_hex("f48fbfbf")));
  EXPECT_FALSE(is_valid_utf8(from_hex("f4908080")));
  EXPECT_FALSE(is_valid_utf8(from_hex("c0af")));
}

}  // namespace
}  // namespace wsprobe::codec
