// The AVX-512 bulk check (utf8_avx512.cpp) against the DFA alone (Utf8Validator fed in pieces
// under its bulk threshold), on every error class of RFC 3629 section 4 at every position around
// the kernel's 64-byte blocks and 128-byte steps, on truncated ends, and on randomly mutated text.

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "utf8_feeds.hpp"
#include "wsprobe/utf8.hpp"

namespace wsprobe::codec {
namespace detail {
bool utf8_avx512_supported();                                 // utf8_avx512.cpp
size_t utf8_valid_prefix_avx512(const uint8_t* p, size_t n);  // utf8_avx512.cpp
extern bool utf8_bulk_avx512;                                 // utf8.cpp
}  // namespace detail
namespace {

using Bytes = std::vector<uint8_t>;

// The first offending byte as the DFA names it (the length for a truncated end), or -1 when
// valid: feeds of 63 bytes stay under the validator's bulk threshold (64).
int64_t dfa_fail_offset(const Bytes& b, size_t chunk = 63) {
  return vectors::utf8_fail_offset(b, chunk);
}

// The kernel's contract: all of a valid input; else a prefix of whole, valid characters that
// ends at or before the first error, and no further than one step (128 bytes) and a character
// before it (it fails fast).
void expect_kernel_agrees_with_dfa(const Bytes& b) {
  const int64_t error = dfa_fail_offset(b);
  const size_t prefix = detail::utf8_valid_prefix_avx512(b.data(), b.size());
  if (error < 0) {
    ASSERT_EQ(prefix, b.size());
    return;
  }
  ASSERT_LE(static_cast<int64_t>(prefix), error);
  ASSERT_LT(error - static_cast<int64_t>(prefix), 132);
  ASSERT_EQ(dfa_fail_offset(Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(prefix))), -1);
}

// The validator as a whole, in reads that take the bulk path, names the DFA's byte.
void expect_validator_agrees_with_dfa(const Bytes& b) {
  const int64_t error = dfa_fail_offset(b);
  for (size_t chunk : {b.size() + 1, size_t{64}, size_t{129}, size_t{1000}})
    ASSERT_EQ(dfa_fail_offset(b, chunk), error) << "chunk " << chunk;
}

// Mixed text of at least `bytes` bytes, 1- to 4-byte characters in a pseudo-random order,
// including the edges of RFC 3629's ranges (E0 A0, ED 9F, F0 90, F4 8F, EF BF BF).
Bytes mixed_text(size_t bytes, uint32_t seed) {
  const std::vector<Bytes> chars = {{'a'},
                                    {'z'},
                                    {0xC2, 0x80},
                                    {0xDF, 0xBF},
                                    {0xE0, 0xA0, 0x80},
                                    {0xE4, 0xB8, 0xAD},
                                    {0xED, 0x9F, 0xBF},
                                    {0xEE, 0x80, 0x80},
                                    {0xEF, 0xBF, 0xBF},
                                    {0xF0, 0x90, 0x80, 0x80},
                                    {0xF0, 0x9D, 0x84, 0x9E},
                                    {0xF3, 0xBF, 0xBF, 0xBF},
                                    {0xF4, 0x8F, 0xBF, 0xBF}};
  std::mt19937 rng(seed);
  Bytes out;
  while (out.size() < bytes) {
    const auto& c = chars[rng() % chars.size()];
    out.insert(out.end(), c.begin(), c.end());
  }
  return out;
}

// One or more bytes that make any text invalid wherever they are inserted between characters,
// one per error class of RFC 3629 section 4 (and the same class at both ends of its range).
const std::vector<Bytes>& breakers() {
  static const std::vector<Bytes> all = {
      {0x80},                    // a continuation with no lead
      {0xBF},                    //
      {0xC2, 0x80, 0x80},        // one continuation too many
      {0xE1, 0x80, 0x80, 0x80},  //
      {0xC0, 0xAF},              // overlong 2-byte forms: C0 and C1 never occur
      {0xC1, 0xBF},              //
      {0xC2, 'a'},               // a lead cut short by ASCII
      {0xE1, 0x80, 'a'},         //
      {0xF1, 0x80, 0x80, 'a'},   //
      {0xDF, 0xE4, 0xB8, 0xAD},  // a lead cut short by a lead
      {0xE0, 0x80, 0x80},        // overlong 3-byte forms
      {0xE0, 0x9F, 0xBF},        //
      {0xED, 0xA0, 0x80},        // surrogates U+D800..U+DFFF
      {0xED, 0xBF, 0xBF},        //
      {0xF0, 0x80, 0x80, 0x80},  // overlong 4-byte forms
      {0xF0, 0x8F, 0xBF, 0xBF},  //
      {0xF4, 0x90, 0x80, 0x80},  // above U+10FFFF
      {0xF4, 0xBF, 0xBF, 0xBF},  //
      {0xF5, 0x80, 0x80, 0x80},  // F5..FF never occur
      {0xF8, 0x88, 0x80, 0x80, 0x80},
      {0xFF},
  };
  return all;
}

class Utf8Bulk : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!detail::utf8_avx512_supported()) GTEST_SKIP() << "no AVX-512 VBMI on this CPU";
  }
};

TEST_F(Utf8Bulk, AcceptsValidTextOfEveryLengthUpTo600) {
  const Bytes text = mixed_text(700, 1);
  for (size_t n = 0; n <= 600; ++n) {
    Bytes b(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(n));
    // Cut back to a character boundary: the kernel only ever sees whole characters.
    while (!b.empty() && dfa_fail_offset(b) >= 0)
      b.pop_back();
    ASSERT_EQ(detail::utf8_valid_prefix_avx512(b.data(), b.size()), b.size()) << n;
  }
}

TEST_F(Utf8Bulk, FindsEveryErrorClassAtEveryPositionAroundItsBlocks) {
  // Mixed text and ASCII (whose 128-byte steps the kernel skips), in lengths that end its loop
  // on a whole step, a 64-byte block, and a partial block.
  for (const Bytes& base : {mixed_text(400, 2), Bytes(400, 'a')}) {
    for (size_t length : {size_t{256}, size_t{320}, size_t{333}}) {
      Bytes text(base.begin(), base.begin() + static_cast<std::ptrdiff_t>(length));
      while (dfa_fail_offset(text) >= 0)
        text.pop_back();
      for (size_t at = 0; at <= text.size(); ++at) {
        // Inserted between characters only: inside one, a breaker may read as its continuation.
        if (at < text.size() && (text[at] & 0xC0) == 0x80) continue;
        for (const Bytes& breaker : breakers()) {
          Bytes b = text;
          b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), breaker.begin(), breaker.end());
          ASSERT_GE(dfa_fail_offset(b), 0);
          ASSERT_NO_FATAL_FAILURE(expect_kernel_agrees_with_dfa(b))
              << "length " << length << " at " << at << " breaker " << int(breaker[0]);
        }
      }
    }
  }
}

TEST_F(Utf8Bulk, FailsOnASequenceCutShortByTheEndOfTheBuffer) {
  const std::vector<Bytes> heads = {
      {0xC2}, {0xDF},       {0xE0},       {0xE0, 0xA0}, {0xED, 0x9F},       {0xEF, 0xBF},
      {0xF0}, {0xF0, 0x90}, {0xF4, 0x8F}, {0xF1, 0x80}, {0xF3, 0xBF, 0xBF}, {0xF4, 0x8F, 0xBF}};
  for (size_t length = 0; length <= 200; ++length) {
    for (const Bytes& head : heads) {
      Bytes b(length, 'a');
      b.insert(b.end(), head.begin(), head.end());
      ASSERT_NO_FATAL_FAILURE(expect_kernel_agrees_with_dfa(b)) << "length " << length;
    }
  }
}

// The continuations a lead byte still needs after `have` bytes of its sequence, then ASCII: the
// bytes under test are then the only thing that can be wrong.
void complete_and_pad(Bytes& b, uint8_t lead, size_t have) {
  const size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  for (size_t k = have; k < length; ++k)
    b.push_back(0x80);
  b.insert(b.end(), 70, 'a');
}

TEST_F(Utf8Bulk, AgreesWithTheDfaOnEveryPairAndTripleAcrossABlockBoundary) {
  // The pair or triple straddles byte 63|64 (the carry between blocks) and 127|128 (between
  // steps), with ASCII or mixed text before it.
  const Bytes mixed = mixed_text(200, 3);
  for (bool ascii : {true, false}) {
    for (size_t at : {size_t{62}, size_t{63}, size_t{126}, size_t{127}}) {
      Bytes before(ascii ? Bytes(at, 'a')
                         : Bytes(mixed.begin(), mixed.begin() + static_cast<std::ptrdiff_t>(at)));
      while (dfa_fail_offset(before) >= 0)
        before.pop_back();
      before.resize(at, 'a');
      for (int x = 0x80; x < 256; ++x) {
        for (int y = 0; y < 256; ++y) {
          Bytes b = before;
          b.push_back(static_cast<uint8_t>(x));
          b.push_back(static_cast<uint8_t>(y));
          complete_and_pad(b, static_cast<uint8_t>(x), 2);
          ASSERT_NO_FATAL_FAILURE(expect_kernel_agrees_with_dfa(b)) << at << " " << x << " " << y;
        }
      }
      for (int x = 0xE0; x <= 0xF4; ++x) {
        for (int y = 0x7F; y <= 0xC0; ++y) {
          for (int z = 0x7F; z <= 0xC0; ++z) {
            Bytes b = before;
            for (int v : {x, y, z})
              b.push_back(static_cast<uint8_t>(v));
            complete_and_pad(b, static_cast<uint8_t>(x), 3);
            ASSERT_NO_FATAL_FAILURE(expect_kernel_agrees_with_dfa(b)) << at << " " << x;
          }
        }
      }
    }
  }
}

TEST_F(Utf8Bulk, AgreesWithTheDfaOnRandomlyMutatedText) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20000; ++round) {
    Bytes b = mixed_text(rng() % 1200, static_cast<uint32_t>(round));
    // Long ASCII runs too, so that steps are skipped between mixed ones.
    if (round % 4 == 0) b.insert(b.begin() + static_cast<std::ptrdiff_t>(b.size() / 2), 300, 'a');
    for (uint32_t m = rng() % 3; m > 0 && !b.empty(); --m) {
      const auto at = static_cast<std::ptrdiff_t>(rng() % b.size());
      switch (rng() % 3) {
        case 0:
          b[static_cast<size_t>(at)] = static_cast<uint8_t>(rng());
          break;
        case 1:
          b.insert(b.begin() + at, static_cast<uint8_t>(0x80 + rng() % 0x80));
          break;
        default:
          b.erase(b.begin() + at);
      }
    }
    ASSERT_NO_FATAL_FAILURE(expect_kernel_agrees_with_dfa(b)) << "round " << round;
    if (round % 10 == 0) {
      ASSERT_NO_FATAL_FAILURE(expect_validator_agrees_with_dfa(b)) << "round " << round;
    }
  }
}

// A breaker inserted at a random character boundary of `text`, `rounds` times: the validator,
// fed whole and in pieces, names the byte the DFA names.
void expect_breakers_named(const Bytes& text, uint32_t seed, int rounds) {
  std::mt19937 rng(seed);
  for (int round = 0; round < rounds; ++round) {
    Bytes b = text;
    size_t at = rng() % b.size();
    while ((b[at] & 0xC0) == 0x80)
      --at;
    const Bytes& breaker = breakers()[rng() % breakers().size()];
    b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), breaker.begin(), breaker.end());
    ASSERT_NO_FATAL_FAILURE(expect_validator_agrees_with_dfa(b)) << "round " << round;
  }
}

TEST_F(Utf8Bulk, ValidatorNamesTheDfaByteForEveryBreakerInALongText) {
  expect_breakers_named(mixed_text(5000, 4), 9, 300);
}

// Without the kernel (CPUs without AVX-512 VBMI) simdjson says yes or no and 16 KiB blocks
// narrow the error down for the DFA: the same bytes named, here on any CPU.
class Utf8BulkSimdjson : public ::testing::Test {
 protected:
  void SetUp() override { detail::utf8_bulk_avx512 = false; }
  void TearDown() override { detail::utf8_bulk_avx512 = detail::utf8_avx512_supported(); }
};

TEST_F(Utf8BulkSimdjson, ValidatorNamesTheDfaByteForEveryBreakerInALongText) {
  const Bytes text = mixed_text(40000, 5);
  ASSERT_NO_FATAL_FAILURE(expect_breakers_named(text, 11, 100));
  ASSERT_NO_FATAL_FAILURE(expect_validator_agrees_with_dfa(text));
}

}  // namespace
}  // namespace wsprobe::codec
