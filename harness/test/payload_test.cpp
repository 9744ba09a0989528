// Generated payloads read, slice and compare exactly as the bytes they stand for.
#include "engine/payload.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wsprobe::harness {
namespace {

std::vector<uint8_t> expand(const std::string& unit, size_t size, size_t phase = 0) {
  std::vector<uint8_t> out(size);
  for (size_t i = 0; i < size; ++i)
    out[i] = static_cast<uint8_t>(unit[(phase + i) % unit.size()]);
  return out;
}

TEST(Payload, RepeatedReadsTheSameBytesAtEveryOffsetAndLength) {
  const std::string unit = "abcdefg";  // 7: no power of two lines up with it
  const auto p = Payload::repeated({unit.begin(), unit.end()}, 1000);
  const auto want = expand(unit, 1000);
  EXPECT_EQ(p.bytes(), want);
  for (size_t from : {0U, 1U, 6U, 7U, 500U, 993U}) {
    for (size_t n : {0U, 1U, 7U, 8U, 100U}) {
      if (from + n > 1000) continue;
      std::vector<uint8_t> got(n);
      p.read(from, got);
      EXPECT_EQ(got, std::vector<uint8_t>(want.begin() + static_cast<long>(from),
                                          want.begin() + static_cast<long>(from + n)))
          << from << "+" << n;
    }
  }
}

TEST(Payload, SliceOfRepeatedStaysGeneratedAndInPhase) {
  const std::string unit = "xyz";
  const auto p = Payload::repeated({unit.begin(), unit.end()}, 100);
  const auto s = p.slice(4, 50);
  EXPECT_TRUE(s.generated());
  EXPECT_EQ(s.bytes(), expand(unit, 46, 4));
  EXPECT_EQ(s.slice(2, 3).bytes(), expand(unit, 1, 6));
}

TEST(Payload, ComparesByContentWhateverTheKind) {
  const auto gen = Payload::repeated({'a', 'b'}, 200001);
  const Payload lit(expand("ab", 200001));
  EXPECT_EQ(gen, lit);
  EXPECT_EQ(lit, gen);
  auto other = expand("ab", 200001);
  other[150000] = 'c';  // past the first compared piece
  EXPECT_FALSE(gen == Payload(other));
  EXPECT_FALSE(gen == Payload(expand("ab", 200000)));
  EXPECT_EQ(Payload(), Payload(std::vector<uint8_t>{}));
}

TEST(Payload, CopiesShareTheBytes) {
  const Payload a(std::vector<uint8_t>(1 << 20, 7));
  const Payload b = a;  // NOLINT(performance-unnecessary-copy-initialization): the point
  EXPECT_EQ(a.literal().data(), b.literal().data());
}

TEST(Payload, DigestOfGeneratedEqualsDigestOfItsBytes) {
  const auto gen = Payload::repeated({0x5a}, (size_t{1} << 20) + 3);
  EXPECT_EQ(sha256_hex(gen), sha256_hex(Payload(gen.bytes())));
  EXPECT_EQ(sha256_hex(Payload()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Payload, ReadPastTheEndThrows) {
  const auto p = Payload::repeated({1}, 10);
  std::vector<uint8_t> out(4);
  EXPECT_THROW(p.read(7, out), std::out_of_range);
  EXPECT_THROW((void)p.slice(5, 11), std::out_of_range);
}

}  // namespace
}  // namespace wsprobe::harness
