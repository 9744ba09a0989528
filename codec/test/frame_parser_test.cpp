#include "wsprobe/frame_parser.hpp"

#include <gtest/gtest.h>

#include "frame_log.hpp"
#include "rfc6455_vectors.hpp"

namespace wsprobe::codec {
namespace {

using vectors::from_hex;
using vectors::parse_whole;

FrameParserOptions as(Role role) {
  FrameParserOptions o;
  o.role = role;
  return o;
}

uint16_t failure_code(Role role, const std::vector<uint8_t>& bytes) {
  const auto log = parse_whole(as(role), bytes);
  return log.error ? log.error->close_code : 0;
}

Rule failure_rule(Role role, const std::vector<uint8_t>& bytes) {
  const auto log = parse_whole(as(role), bytes);
  return log.error ? log.error->rule : Rule::unspecified;
}

TEST(FrameParser, ParsesEveryRfcExampleInItsReceiversRole) {
  for (const auto& v : vectors::rfc_frame_vectors()) {
    const auto log = parse_whole(as(v.receiver), v.bytes);
    ASSERT_FALSE(log.error) << v.name << ": " << log.error->reason;
    ASSERT_EQ(log.frames.size(), 1u) << v.name;
    EXPECT_EQ(log.frames[0].header, v.header) << v.name;
    EXPECT_EQ(log.frames[0].payload, v.payload) << v.name;
    EXPECT_FALSE(log.mid_frame);
  }
}

TEST(FrameParser, ServerRejectsUnmaskedFrame) {
  EXPECT_EQ(failure_code(Role::server, from_hex("81 05 48656c6c6f")), close_code::protocol_error);
  EXPECT_EQ(failure_rule(Role::server, from_hex("81 05 48656c6c6f")), Rule::unmasked_client_frame);
}

TEST(FrameParser, ClientRejectsMaskedFrame) {
  EXPECT_EQ(failure_code(Role::client, from_hex("81 85 37fa213d 7f9f4d5158")),
            close_code::protocol_error);
  EXPECT_EQ(failure_rule(Role::client, from_hex("81 85 37fa213d 7f9f4d5158")),
            Rule::masked_server_frame);
}

TEST(FrameParser, RejectsEveryReservedOpcode) {
  for (uint8_t op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    const std::vector<uint8_t> frame{static_cast<uint8_t>(0x80 | op), 0x00};
    EXPECT_EQ(failure_code(Role::client, frame), close_code::protocol_error) << int(op);
    EXPECT_EQ(failure_rule(Role::client, frame), Rule::reserved_opcode) << int(op);
  }
}

TEST(FrameParser, RejectsEachRsvBitWithoutExtension) {
  for (uint8_t bits = 1; bits < 8; ++bits) {
    const std::vector<uint8_t> frame{static_cast<uint8_t>(0x81 | bits << 4), 0x00};
    EXPECT_EQ(failure_code(Role::client, frame), close_code::protocol_error) << int(bits);
    EXPECT_EQ(failure_rule(Role::client, frame), Rule::rsv_without_extension) << int(bits);
  }
}

TEST(FrameParser, AcceptsRsv1WhenAnExtensionAllowsIt) {
  auto o = as(Role::client);
  o.allowed_rsv = rsv::rsv1;
  const auto log = parse_whole(o, from_hex("c1 07 f2 48 cd c9 c9 07 00"));
  ASSERT_FALSE(log.error);
  EXPECT_EQ(log.frames.at(0).header.rsv, rsv::rsv1);
  EXPECT_TRUE(parse_whole(o, from_hex("a1 00")).error);  // RSV2 is still not allowed
}

TEST(FrameParser, RejectsRsv1OnControlAndContinuationFramesEvenWithAnExtension) {
  // RFC 7692 6.1: RSV1 marks a compressed message, on its first frame only.
  auto o = as(Role::client);
  o.allowed_rsv = rsv::rsv1;
  EXPECT_EQ(parse_whole(o, from_hex("c9 00")).error->close_code, close_code::protocol_error);
  EXPECT_EQ(parse_whole(o, from_hex("41 01 41 c0 01 42")).error->close_code,
            close_code::protocol_error);
  EXPECT_FALSE(parse_whole(o, from_hex("41 01 41 80 01 42")).error);
}

TEST(FrameParser, AppliesTheFrameLimitToDataFramesOnly) {
  auto o = as(Role::client);
  o.max_frame_size = 10;
  std::vector<uint8_t> ping = from_hex("89 7d");
  ping.resize(ping.size() + 125, 'x');
  EXPECT_FALSE(parse_whole(o, ping).error);
}

TEST(FrameParser, RejectsControlFrameLongerThan125) {
  std::vector<uint8_t> frame = from_hex("89 7e 00 7e");
  frame.resize(frame.size() + 126, 'x');
  EXPECT_EQ(failure_code(Role::client, frame), close_code::protocol_error);
  EXPECT_EQ(failure_rule(Role::client, frame), Rule::control_frame_too_long);
}

TEST(FrameParser, AcceptsControlFrameOf125) {
  std::vector<uint8_t> frame = from_hex("89 7d");
  frame.resize(frame.size() + 125, 'x');
  EXPECT_EQ(failure_code(Role::client, frame), 0);
}

TEST(FrameParser, RejectsFragmentedControlFrame) {
  EXPECT_EQ(failure_code(Role::client, from_hex("09 00")), close_code::protocol_error);
  EXPECT_EQ(failure_code(Role::client, from_hex("08 00")), close_code::protocol_error);
  EXPECT_EQ(failure_rule(Role::client, from_hex("09 00")), Rule::control_frame_fragmented);
}

TEST(FrameParser, RejectsFrameOverTheLimitAtItsHeader) {
  auto o = as(Role::client);
  o.max_frame_size = 10;
  // Only the header is present: the verdict comes before any payload.
  const auto log = parse_whole(o, from_hex("82 0b"));
  ASSERT_TRUE(log.error);
  EXPECT_EQ(log.error->close_code, close_code::message_too_big);
  EXPECT_EQ(log.error->rule, Rule::frame_too_big);
  EXPECT_FALSE(parse_whole(o, from_hex("82 0a 00 00 00 00 00 00 00 00 00 00")).error);
}

TEST(FrameParser, HugeClaimedLengthAllocatesNothingAndWaitsForPayload) {
  // A header claiming 2^63-1 bytes: the parser holds no buffer for it, it only counts.
  FrameParser parser(as(Role::client));
  auto bytes = from_hex("82 7f 7f ff ff ff ff ff ff ff 01 02 03");
  std::span<uint8_t> in(bytes);
  auto ev = parser.next(in);
  ASSERT_EQ(ev.kind, FrameEvent::Kind::header);
  EXPECT_EQ(ev.header->payload_length, UINT64_MAX >> 1);
  ev = parser.next(in);
  ASSERT_EQ(ev.kind, FrameEvent::Kind::payload);
  EXPECT_EQ(ev.payload.size(), 3u);
  EXPECT_EQ(ev.payload.data(), bytes.data() + 10);  // points into the input, no copy
  EXPECT_EQ(parser.next(in).kind, FrameEvent::Kind::need_more);
  EXPECT_FALSE(parser.at_frame_boundary());
}

TEST(FrameParser, ParsesManyFramesFromOneBuffer) {
  const auto bytes = from_hex("01 03 48656c  89 00  80 02 6c6f  8a 01 41  82 00");
  const auto log = parse_whole(as(Role::client), bytes);
  ASSERT_FALSE(log.error);
  ASSERT_EQ(log.frames.size(), 5u);
  EXPECT_EQ(log.frames[1].header.opcode, 0x9);
  EXPECT_EQ(log.frames[3].payload, from_hex("41"));
  EXPECT_EQ(log.frames[4].header.payload_length, 0u);
}

TEST(FrameParser, StaysFailedAndConsumesNothingAfterAnError) {
  FrameParser parser(as(Role::client));
  auto bytes = from_hex("83 00 81 00");
  std::span<uint8_t> in(bytes);
  EXPECT_EQ(parser.next(in).kind, FrameEvent::Kind::error);
  EXPECT_TRUE(parser.failed());
  const size_t left = in.size();
  EXPECT_EQ(parser.next(in).kind, FrameEvent::Kind::error);
  EXPECT_EQ(in.size(), left);
}

TEST(FrameParser, ReportsAPartialHeaderAsMidFrame) {
  const auto log = parse_whole(as(Role::client), from_hex("82 7e 01"));
  EXPECT_FALSE(log.error);
  EXPECT_TRUE(log.frames.empty());
  EXPECT_TRUE(log.mid_frame);
}

TEST(FrameParser, CheckHeaderNamesTheRuleBroken) {
  FrameParserOptions o = as(Role::server);
  const FrameHeader unmasked{true, 0, 0x1, false, {}, 0};
  const auto err = check_header(unmasked, o);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->rule, Rule::unmasked_client_frame);
  EXPECT_NE(err->reason.find("RFC 6455 5.1"), std::string_view::npos);
}

}  // namespace
}  // namespace wsprobe::codec
