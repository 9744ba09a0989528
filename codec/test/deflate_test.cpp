#include "wsprobe/deflate.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

// The Deflater leaves its memory as operator new returns it (deflate.cpp): this binary's operator
// new fills what it returns with `fill_new_memory` when set, so a test can show the compressed
// bytes do not depend on what that memory held.
namespace {
std::optional<unsigned char> fill_new_memory;
size_t filled_allocations = 0;
// Out of line: GCC pairs an inlined free with the operator new it knows, not this one, and warns.
[[gnu::noinline]] void release(void* p) noexcept {
  std::free(p);
}
}  // namespace

void* operator new(std::size_t size) {
  void* p = std::malloc(size != 0 ? size : 1);
  if (p == nullptr) throw std::bad_alloc();
  if (fill_new_memory) {
    std::memset(p, *fill_new_memory, size);
    ++filled_allocations;
  }
  return p;
}
void* operator new[](std::size_t size) {
  return ::operator new(size);
}
void operator delete(void* p) noexcept {
  release(p);
}
void operator delete[](void* p) noexcept {
  release(p);
}
void operator delete(void* p, std::size_t) noexcept {
  release(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  release(p);
}

namespace wsprobe::codec {
namespace {

std::vector<uint8_t> from_hex(std::string_view hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size() + 1; ++i) {
    if (hex[i] == ' ') continue;
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    ++i;
  }
  return out;
}

std::vector<uint8_t> bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

std::string text(const std::vector<uint8_t>& b) {
  return {b.begin(), b.end()};
}

// Text whose repeats lie `distance` bytes apart: compressible only with a window that reaches.
std::vector<uint8_t> repeats_at(size_t distance, size_t copies) {
  std::vector<uint8_t> block(distance);
  uint32_t x = 12345;
  for (auto& b : block) {
    x = x * 1103515245 + 12345;
    b = static_cast<uint8_t>('a' + (x >> 16) % 26);
  }
  std::vector<uint8_t> out;
  for (size_t i = 0; i < copies; ++i)
    out.insert(out.end(), block.begin(), block.end());
  return out;
}

std::vector<uint8_t> compress(Deflater& d, const std::vector<uint8_t>& message) {
  std::vector<uint8_t> out;
  d.compress(message, out);
  return out;
}

constexpr DeflateDirection kDefault{15, false};
constexpr DeflateDirection kNoTakeover{15, true};

TEST(Deflater, CompressesTheRfcExampleWithoutTheSyncTail) {
  // RFC 7692 7.2.3.1: "Hello" is f2 48 cd c9 c9 07 00 once 00 00 ff ff is removed.
  Deflater d(kDefault);
  EXPECT_EQ(compress(d, bytes("Hello")), from_hex("f2 48 cd c9 c9 07 00"));
}

TEST(Deflater, UsesTheContextOfEarlierMessagesUnlessToldNotTo) {
  // RFC 7692 7.2.3.2: the second "Hello" refers back to the first.
  Deflater keep(kDefault);
  const auto first = compress(keep, bytes("Hello"));
  EXPECT_LT(compress(keep, bytes("Hello")).size(), first.size());
  Deflater reset(kNoTakeover);
  EXPECT_EQ(compress(reset, bytes("Hello")), first);
  EXPECT_EQ(compress(reset, bytes("Hello")), first);
}

TEST(Deflater, CompressesAnEmptyMessageToOneEmptyBlock) {
  // RFC 7692 7.2.3.6: an empty stored block, 00 without its tail; also after a sync flush.
  Deflater d(kDefault);
  EXPECT_EQ(compress(d, {}), from_hex("00"));
  (void)compress(d, bytes("Hello"));
  EXPECT_EQ(compress(d, {}), from_hex("00"));
}

TEST(Deflater, GivesTheSameBytesWhateverItsMemoryHeld) {
  // Every level, window and context mode compresses alike over memory filled with 00, ff or a5,
  // across igzip's 4 KiB rounds and long matches (level 3 reads token slots it has not made).
  std::vector<uint8_t> mixed = repeats_at(5000, 3);
  uint32_t x = 99;
  for (auto& b : mixed) {
    x = x * 1103515245 + 12345;
    if ((x >> 20) % 7 == 0) b = static_cast<uint8_t>(x >> 24);
  }
  const std::vector<std::vector<uint8_t>> messages = {bytes("Hello"), repeats_at(700, 10),
                                                      std::vector<uint8_t>(20000, 'a'), mixed,
                                                      repeats_at(3000, 30)};
  for (int level = min_deflate_level; level <= max_deflate_level; ++level) {
    for (const uint8_t bits : {8, 11, 15}) {
      for (const bool reset : {false, true}) {
        std::vector<std::vector<uint8_t>> first;
        for (const unsigned char fill : {0x00, 0xff, 0xa5}) {
          filled_allocations = 0;
          fill_new_memory = fill;
          std::vector<std::vector<uint8_t>> outs;
          size_t filled = 0;
          {
            Deflater d(DeflateDirection{bits, reset}, level);
            filled = filled_allocations;
            for (const auto& m : messages)
              outs.push_back(compress(d, m));
          }
          fill_new_memory.reset();
          ASSERT_GT(filled, 0U);  // the Deflater's memory came from the fill
          if (first.empty()) {
            first = outs;
          } else {
            EXPECT_EQ(outs, first) << level << " " << int(bits) << " " << reset << " " << int(fill);
          }
        }
      }
    }
  }
}

TEST(Inflater, InflatesTheRfcExamples) {
  Inflater i(kDefault);
  // RFC 7692 7.2.3.1, 7.2.3.3 (no compression), 7.2.3.4 (BFINAL set).
  EXPECT_EQ(text(*inflate_message(i, from_hex("f2 48 cd c9 c9 07 00"))), "Hello");
  EXPECT_EQ(text(*inflate_message(i, from_hex("00 05 00 fa ff 48 65 6c 6c 6f 00"))), "Hello");
  EXPECT_EQ(text(*inflate_message(i, from_hex("f3 48 cd c9 c9 07 00"))), "Hello");
  // A message after a BFINAL one still inflates.
  EXPECT_EQ(text(*inflate_message(i, from_hex("f2 48 cd c9 c9 07 00"))), "Hello");
}

TEST(Inflater, InflatesTheRfcSharedContextExample) {
  // RFC 7692 7.2.3.2: the second message is a back reference into the first.
  Inflater i(kDefault);
  EXPECT_EQ(text(*inflate_message(i, from_hex("f2 48 cd c9 c9 07 00"))), "Hello");
  EXPECT_EQ(text(*inflate_message(i, from_hex("f2 00 11 00 00"))), "Hello");
  Inflater reset(kNoTakeover);
  EXPECT_EQ(text(*inflate_message(reset, from_hex("f2 48 cd c9 c9 07 00"))), "Hello");
  EXPECT_FALSE(inflate_message(reset, from_hex("f2 00 11 00 00")));
}

TEST(Inflater, TakesAnEmptyPayloadAndAnEmptyFinalFragment) {
  Inflater i(kDefault);
  EXPECT_EQ(inflate_message(i, {})->size(), 0U);
  EXPECT_EQ(inflate_message(i, from_hex("00"))->size(), 0U);
  // RFC 7692 7.2.3.6: "Hello" flushed whole in a first fragment, then a final fragment holding
  // what is left of an empty stored block once the tail is removed.
  std::string out;
  const InflateSink sink = [&](std::span<const uint8_t> c) -> std::optional<Error> {
    out.append(c.begin(), c.end());
    return std::nullopt;
  };
  ASSERT_FALSE(i.feed(from_hex("f2 48 cd c9 c9 07 00 00 00 ff ff"), sink));
  ASSERT_FALSE(i.feed(from_hex("00"), sink));
  ASSERT_FALSE(i.finish(sink));
  EXPECT_EQ(out, "Hello");
}

TEST(Inflater, FailsDataThatIsNotDeflateWith1007) {
  Inflater i(kDefault);
  const InflateSink sink = [](std::span<const uint8_t>) { return std::optional<Error>{}; };
  // Fewer bytes than a batch: inflated once the message ends.
  ASSERT_FALSE(i.feed(from_hex("ff ff ff ff"), sink));
  const auto err = i.finish(sink);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->rule, Rule::deflate_invalid_data);
  EXPECT_EQ(err->close_code, close_code::invalid_payload);
}

TEST(Inflater, FailsAMessageThatStopsInsideABlock) {
  Deflater d(kDefault);
  auto data = compress(d, repeats_at(1000, 20));
  data.resize(data.size() / 2);
  Inflater i(kDefault);
  EXPECT_FALSE(inflate_message(i, data));
}

TEST(Inflater, GivesTheSameBytesWhateverTheSplit) {
  const auto message = repeats_at(3000, 30);
  Deflater d(kDefault);
  const auto data = compress(d, message);
  Inflater i(kDefault);
  std::vector<uint8_t> out;
  size_t largest = 0;
  const InflateSink sink = [&](std::span<const uint8_t> c) -> std::optional<Error> {
    largest = std::max(largest, c.size());
    out.insert(out.end(), c.begin(), c.end());
    return std::nullopt;
  };
  for (const uint8_t b : data)
    ASSERT_FALSE(i.feed(std::span(&b, 1), sink));
  ASSERT_FALSE(i.finish(sink));
  EXPECT_EQ(out, message);
  EXPECT_LE(largest, Inflater::chunk_size);
}

// One message fed to a fresh Inflater in pieces of `piece` bytes, then finished: what it
// delivered goes to `got`; the error that stopped it, if any, is returned.
std::optional<Error> inflate_in_pieces(const std::vector<uint8_t>& data, size_t piece,
                                       std::vector<uint8_t>& got) {
  Inflater i(kDefault);
  const InflateSink sink = [&](std::span<const uint8_t> c) -> std::optional<Error> {
    got.insert(got.end(), c.begin(), c.end());
    return std::nullopt;
  };
  for (size_t at = 0; at < data.size(); at += piece) {
    if (auto err = i.feed(std::span(data).subspan(at, std::min(piece, data.size() - at)), sink))
      return err;
  }
  return i.finish(sink);
}

TEST(Inflater, DeliversAllItInflatedBeforeInvalidDataWhateverTheSplit) {
  // igzip inflates into a buffer of its own and stops at an error at once: all of the 200 KB
  // that came before the error still reaches the sink, in one read or byte by byte.
  const auto message = repeats_at(2000, 100);
  Deflater d(kDefault);
  auto data = compress(d, message);
  const auto bad = from_hex("ff ff ff ff ff ff");  // LEN and NLEN that disagree, then BTYPE 11
  data.insert(data.end(), bad.begin(), bad.end());
  for (const size_t piece : {data.size(), size_t{1}, size_t{7}}) {
    std::vector<uint8_t> got;
    const auto err = inflate_in_pieces(data, piece, got);
    ASSERT_TRUE(err) << piece;
    EXPECT_EQ(err->rule, Rule::deflate_invalid_data) << piece;
    EXPECT_EQ(got, message) << piece;
  }
}

TEST(Inflater, DeliversExactlyTheBytesBeforeADistanceTooFarBackWhateverTheSplit) {
  // The second message refers back into the first, which this Inflater never saw: the distance
  // is invalid (RFC 1951 3.2.5 reaches only into bytes inflated before). Everything before the
  // first such reference arrives, and nothing else, in one read (igzip's fast loop) or in pieces.
  const auto first = repeats_at(4000, 1);
  std::vector<uint8_t> second(300);  // capitals: nothing the first message could refer to
  uint32_t x = 777;
  for (auto& b : second) {
    x = x * 1103515245 + 12345;
    b = static_cast<uint8_t>('A' + (x >> 16) % 26);
  }
  second.insert(second.end(), first.begin(), first.end());
  Deflater d(kDefault);
  (void)compress(d, first);
  const auto data = compress(d, second);
  for (const size_t piece : {data.size(), size_t{1}, size_t{7}}) {
    std::vector<uint8_t> got;
    const auto err = inflate_in_pieces(data, piece, got);
    ASSERT_TRUE(err) << piece;
    EXPECT_EQ(err->rule, Rule::deflate_invalid_data) << piece;
    ASSERT_GE(got.size(), 200U) << piece;  // the letters before the first reference
    ASSERT_LT(got.size(), second.size()) << piece;
    EXPECT_TRUE(std::equal(got.begin(), got.end(), second.begin())) << piece;
  }
}

TEST(Inflater, StopsABombAtTheLimitWithoutInflatingTheRest) {
  Deflater d(kDefault);
  const auto bomb = compress(d, std::vector<uint8_t>(size_t{16} << 20, 0));
  EXPECT_LT(bomb.size(), size_t{32} << 10);
  Inflater i(kDefault);
  uint64_t seen = 0;
  const uint64_t limit = uint64_t{1} << 20;
  const InflateSink sink = [&](std::span<const uint8_t> c) -> std::optional<Error> {
    if (c.size() > limit - seen) return error_of(Rule::inflated_message_too_big);
    seen += c.size();
    return std::nullopt;
  };
  const auto err = i.feed(bomb, sink);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->close_code, close_code::message_too_big);
  EXPECT_LE(seen, limit);
}

TEST(Deflater, CompressesAfterAResetAsANewDeflaterDoes) {
  // reset() forgets the earlier messages (the RFC 7692 7.2.3.1 bytes again, not a back
  // reference) and takes the new level and window, whatever buffer the old level left.
  Deflater d(kDefault, 3);
  const auto message = repeats_at(700, 10);
  (void)compress(d, message);
  d.reset(kDefault);
  EXPECT_EQ(compress(d, bytes("Hello")), from_hex("f2 48 cd c9 c9 07 00"));
  for (int level = min_deflate_level; level <= max_deflate_level; ++level) {
    for (const DeflateDirection dir :
         {DeflateDirection{8, false}, DeflateDirection{12, true}, kDefault, kNoTakeover}) {
      d.reset(dir, level);
      Deflater fresh(dir, level);
      for (int n = 0; n < 2; ++n) {
        EXPECT_EQ(compress(d, message), compress(fresh, message))
            << level << " " << int(dir.window_bits) << " " << n;
      }
    }
  }
  EXPECT_THROW(d.reset(kDefault, 4), std::invalid_argument);
}

TEST(Inflater, InflatesAfterAResetAsANewInflaterDoes) {
  // RFC 7692 7.2.3.2's second message refers into the first: after reset() there is no first.
  const auto first = from_hex("f2 48 cd c9 c9 07 00");
  const auto second = from_hex("f2 00 11 00 00");
  Inflater i(kDefault);
  EXPECT_EQ(text(*inflate_message(i, first)), "Hello");
  i.reset(kDefault);
  EXPECT_FALSE(inflate_message(i, second));
  // Nor is there a message half fed, or one zlib refused.
  i.reset(kDefault);
  const InflateSink sink = [](std::span<const uint8_t>) { return std::optional<Error>{}; };
  ASSERT_FALSE(i.feed(std::span(first).first(3), sink));
  i.reset(kDefault);
  EXPECT_EQ(text(*inflate_message(i, first)), "Hello");
  EXPECT_EQ(text(*inflate_message(i, second)), "Hello");
  EXPECT_FALSE(inflate_message(i, from_hex("ff ff ff ff")));
  i.reset(kDefault);
  EXPECT_EQ(text(*inflate_message(i, first)), "Hello");
  // The new direction holds: no context kept, or a window too small for a reference 700 bytes
  // back into the previous message (RFC 7692 7.1.2.1).
  i.reset(kNoTakeover);
  EXPECT_EQ(text(*inflate_message(i, first)), "Hello");
  EXPECT_FALSE(inflate_message(i, second));
  const auto block = repeats_at(700, 1);
  Deflater d(kDefault);
  const auto block_first = compress(d, block);
  const auto block_again = compress(d, block);
  i.reset(DeflateDirection{9, false});
  EXPECT_EQ(*inflate_message(i, block_first), block);
  EXPECT_FALSE(inflate_message(i, block_again));
  i.reset(kDefault);
  EXPECT_EQ(*inflate_message(i, block_first), block);
  EXPECT_EQ(*inflate_message(i, block_again), block);
}

TEST(DeflateRoundTrip, HonoursEveryWindowFrom8To15WithAndWithoutContext) {
  const auto message = repeats_at(700, 10);
  for (uint8_t bits = 8; bits <= 15; ++bits) {
    for (const bool reset : {false, true}) {
      const DeflateDirection dir{bits, reset};
      Deflater d(dir);
      Inflater i(dir);
      for (int n = 0; n < 3; ++n) {
        const auto out = inflate_message(i, compress(d, message));
        ASSERT_TRUE(out) << int(bits) << " " << reset << " " << n;
        EXPECT_EQ(*out, message);
      }
    }
  }
}

}  // namespace
}  // namespace wsprobe::codec
