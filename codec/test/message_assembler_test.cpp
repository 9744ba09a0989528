#include "wsprobe/message_assembler.hpp"

#include <gtest/gtest.h>

#include "rfc6455_vectors.hpp"

namespace wsprobe::codec {
namespace {

using vectors::from_hex;

// Feeds bytes (as a client receives them) through parser and assembler; records the outcome.
struct Outcome {
  std::vector<Assembled> results;  // messages and control frames, in order
  std::optional<Error> error;
  size_t payload_bytes_seen_before_error = 0;
};

Outcome assemble(const std::vector<uint8_t>& bytes, AssemblerOptions options = {},
                 size_t chunk = SIZE_MAX) {
  FrameParserOptions po;
  po.role = Role::client;
  FrameParser parser(po);
  MessageAssembler assembler(options);
  Outcome out;
  for (size_t at = 0; at < bytes.size() && !out.error; at += chunk) {
    std::vector<uint8_t> piece(
        bytes.begin() + static_cast<long>(at),
        bytes.begin() + static_cast<long>(std::min(bytes.size(), at + chunk)));
    std::span<uint8_t> in(piece);
    for (;;) {
      const FrameEvent ev = parser.next(in);
      if (ev.kind == FrameEvent::Kind::need_more) break;
      Assembled a = assembler.feed(ev);
      if (a.kind == Assembled::Kind::error) {
        out.error = a.error;
        break;
      }
      if (ev.kind == FrameEvent::Kind::payload)
        out.payload_bytes_seen_before_error += ev.payload.size();
      if (a.kind != Assembled::Kind::none) out.results.push_back(std::move(a));
    }
    if (chunk == SIZE_MAX) break;
  }
  return out;
}

TEST(MessageAssembler, JoinsRfcFragmentedText) {
  const auto out = assemble(from_hex("01 03 48656c 80 02 6c6f"));
  ASSERT_FALSE(out.error);
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_EQ(out.results[0].opcode, Opcode::text);
  EXPECT_EQ(out.results[0].payload, from_hex("48656c6c6f"));
}

TEST(MessageAssembler, PassesControlFramesBetweenFragments) {
  const auto out = assemble(from_hex("02 01 01 89 01 70 00 01 02 8a 00 80 01 03"));
  ASSERT_FALSE(out.error);
  ASSERT_EQ(out.results.size(), 3u);
  EXPECT_EQ(out.results[0].opcode, Opcode::ping);
  EXPECT_EQ(out.results[1].opcode, Opcode::pong);
  EXPECT_EQ(out.results[2].opcode, Opcode::binary);
  EXPECT_EQ(out.results[2].payload, from_hex("010203"));
}

TEST(MessageAssembler, RejectsContinuationWithoutMessage) {
  EXPECT_EQ(assemble(from_hex("80 01 41")).error->rule, Rule::continuation_without_message);
  EXPECT_EQ(assemble(from_hex("81 01 41 00 01 41")).error->rule,
            Rule::continuation_without_message);
  EXPECT_EQ(assemble(from_hex("80 01 41")).error->close_code, close_code::protocol_error);
}

TEST(MessageAssembler, RejectsNewMessageInsideFragmentedMessage) {
  EXPECT_EQ(assemble(from_hex("01 01 41 81 01 42")).error->rule, Rule::data_frame_inside_message);
  EXPECT_EQ(assemble(from_hex("01 01 41 02 01 42")).error->rule, Rule::data_frame_inside_message);
  EXPECT_EQ(assemble(from_hex("01 01 41 02 01 42")).error->close_code, close_code::protocol_error);
}

TEST(MessageAssembler, AcceptsEmptyFragments) {
  const auto out = assemble(from_hex("01 00 00 00 80 00"));  // Autobahn 6.1.2
  ASSERT_FALSE(out.error);
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_TRUE(out.results[0].payload.empty());
}

TEST(MessageAssembler, FailsFragmentedMessageCrossingTheLimitAtTheCrossingHeader) {
  AssemblerOptions o;
  o.max_message_size = 10;
  // 4 + 4 bytes fit; the third header announces 3 more (11 > 10): 1009 before its payload.
  const auto out = assemble(from_hex("02 04 01020304 00 04 05060708 80 03 090a0b"), o);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->close_code, close_code::message_too_big);
  EXPECT_EQ(out.error->rule, Rule::message_too_big);
  EXPECT_EQ(out.payload_bytes_seen_before_error, 8u);
}

TEST(MessageAssembler, AcceptsMessageOfExactlyTheLimit) {
  AssemblerOptions o;
  o.max_message_size = 10;
  const auto out = assemble(from_hex("02 05 0102030405 80 05 0607080900"), o);
  ASSERT_FALSE(out.error);
  EXPECT_EQ(out.results.at(0).payload.size(), 10u);
}

TEST(MessageAssembler, SixteenMebibyteLimitAllowsExactlyThatMuch) {
  // The header announcing one byte over 16 MiB fails; nothing of it is read or allocated.
  EXPECT_EQ(assemble(from_hex("82 7f 0000000001000001")).error->close_code,
            close_code::message_too_big);
  const auto out = assemble(from_hex("82 7f 0000000001000000"));
  EXPECT_FALSE(out.error);
}

TEST(MessageAssembler, KeepsOnlyMaxKeptBytesAndCountsTheRest) {
  AssemblerOptions o;
  o.max_kept = 3;
  const auto out = assemble(from_hex("01 02 4865 80 03 6c6c6f"), o, 2);  // "He" + "llo"
  ASSERT_FALSE(out.error);
  ASSERT_EQ(out.results.size(), 1U);
  EXPECT_EQ(out.results[0].payload, from_hex("48656c"));
  EXPECT_EQ(out.results[0].cut, 2U);
}

TEST(MessageAssembler, ChecksUtf8AndTheLimitPastMaxKept) {
  AssemblerOptions o;
  o.max_kept = 1;
  o.max_message_size = 4;
  // RFC 6455 8.1: the invalid byte lies past what is kept; it still fails the message.
  EXPECT_EQ(assemble(from_hex("81 03 4141 ff"), o).error->rule, Rule::invalid_utf8);
  // RFC 6455 10.4: the limit counts every byte, kept or not.
  EXPECT_EQ(assemble(from_hex("01 03 414141 80 02 4141"), o).error->rule, Rule::message_too_big);
}

TEST(MessageAssembler, FailsInvalidUtf8BeforeTheFrameIsComplete) {
  // Autobahn 6.4.3: one frame announcing 21 bytes; the bad byte arrives in the second piece.
  const auto bytes = from_hex("81 15 cebae1bdb9cf83cebcceb5 f4 90");
  const auto out = assemble(bytes);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->close_code, close_code::invalid_payload);
  EXPECT_EQ(out.error->rule, Rule::invalid_utf8);
}

TEST(MessageAssembler, ValidatesUtf8AcrossFragments) {
  EXPECT_FALSE(assemble(from_hex("01 01 ce 80 01 ba")).error);  // valid: ce | ba
  EXPECT_EQ(assemble(from_hex("01 01 ce 80 01 41")).error->close_code, close_code::invalid_payload);
  // Truncated at the end of the message.
  EXPECT_EQ(assemble(from_hex("01 01 41 80 01 ce")).error->close_code, close_code::invalid_payload);
}

TEST(MessageAssembler, LeavesCompressedTextToTheExtensionAndReportsItsRsv) {
  // RFC 7692 7.2.3.1 "Hello", compressed: the bytes are deflate data, not UTF-8.
  FrameParserOptions po;
  po.role = Role::client;
  po.allowed_rsv = rsv::rsv1;
  FrameParser parser(po);
  MessageAssembler assembler;
  auto bytes = from_hex("c1 07 f2 48 cd c9 c9 07 00");
  std::span<uint8_t> in(bytes);
  Assembled done;
  for (FrameEvent ev = parser.next(in); ev.kind != FrameEvent::Kind::need_more;
       ev = parser.next(in)) {
    Assembled a = assembler.feed(ev);
    ASSERT_NE(a.kind, Assembled::Kind::error);
    if (a.kind == Assembled::Kind::message) done = std::move(a);
  }
  EXPECT_EQ(done.rsv, rsv::rsv1);
  EXPECT_EQ(done.payload, from_hex("f2 48 cd c9 c9 07 00"));
}

TEST(MessageAssembler, LeavesBinaryBytesUnchecked) {
  EXPECT_FALSE(assemble(from_hex("82 02 ffff")).error);
}

TEST(MessageAssembler, SkipsUtf8WhenToldTo) {
  AssemblerOptions o;
  o.validate_utf8 = false;
  EXPECT_FALSE(assemble(from_hex("81 02 ffff"), o).error);
}

TEST(MessageAssembler, ValidatesEachAutobahnPayloadOneByteAtATime) {
  for (const auto& v : vectors::autobahn_utf8_vectors()) {
    auto payload = from_hex(v.hex);
    FrameHeader h{true, 0, 0x1, false, {}, 0};
    const auto frame = encode_frame(h, payload);
    const auto out = assemble(frame, {}, 1);
    if (v.fail_at == vectors::kValid) {
      EXPECT_FALSE(out.error) << v.id;
    } else {
      ASSERT_TRUE(out.error) << v.id;
      EXPECT_EQ(out.error->close_code, close_code::invalid_payload) << v.id;
      // Fail-fast: the failure comes with the offending byte, none after it was consumed (a
      // truncated sequence fails at the end of the message).
      EXPECT_EQ(out.payload_bytes_seen_before_error, static_cast<size_t>(v.fail_at)) << v.id;
    }
  }
}

// A header reserves at most max_reserve (memory follows what arrives); allowed more, a frame's
// length is reserved once, so a large message is never copied through smaller buffers.
TEST(MessageAssembler, ReservesAFramesAnnouncedLengthUpToMaxReserve) {
  const std::vector<uint8_t> payload(1000000, 'a');
  const auto frame = encode_frame(FrameHeader{true, 0, 0x2, false, {}, 0}, payload);
  const auto grown = assemble(frame, {}, 65536);
  ASSERT_EQ(grown.results.size(), 1U);
  EXPECT_EQ(grown.results[0].payload, payload);
  EXPECT_GT(grown.results[0].payload.capacity(), payload.size());  // grown by doubling
  AssemblerOptions o;
  o.max_reserve = 2000000;
  const auto reserved = assemble(frame, o, 65536);
  ASSERT_EQ(reserved.results.size(), 1U);
  EXPECT_EQ(reserved.results[0].payload, payload);
  EXPECT_EQ(reserved.results[0].payload.capacity(), payload.size());
}

}  // namespace
}  // namespace wsprobe::codec
