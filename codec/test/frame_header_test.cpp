#include "wsprobe/frame_header.hpp"

#include <gtest/gtest.h>

#include "rfc6455_vectors.hpp"

namespace wsprobe::codec {
namespace {

using vectors::from_hex;

TEST(FrameHeader, DecodesAndEncodesEveryRfcExampleByteExact) {
  for (const auto& v : vectors::rfc_frame_vectors()) {
    const DecodedHeader d = decode_header(v.bytes);
    ASSERT_EQ(d.status, DecodedHeader::Status::complete) << v.name;
    EXPECT_EQ(d.header, v.header) << v.name;
    EXPECT_EQ(d.size, header_size(v.header)) << v.name;
    EXPECT_EQ(encode_frame(v.header, v.payload), v.bytes) << v.name;
  }
}

TEST(FrameHeader, ReportsHowManyBytesItNeeds) {
  EXPECT_EQ(decode_header(from_hex("")).size, 2u);
  EXPECT_EQ(decode_header(from_hex("81")).size, 2u);
  EXPECT_EQ(decode_header(from_hex("81 fe 00")).size, 8u);  // 2 + 2 + 4 mask
  const auto d = decode_header(from_hex("82 7f 00 00 00"));
  EXPECT_EQ(d.status, DecodedHeader::Status::incomplete);
  EXPECT_EQ(d.size, 10u);
}

TEST(FrameHeader, DecodesAllFlagBits) {
  const auto d = decode_header(from_hex("f3 00"));
  ASSERT_EQ(d.status, DecodedHeader::Status::complete);
  EXPECT_TRUE(d.header.fin);
  EXPECT_EQ(d.header.rsv, rsv::rsv1 | rsv::rsv2 | rsv::rsv3);
  EXPECT_EQ(d.header.opcode, 0x3);
  EXPECT_FALSE(d.header.masked);
}

TEST(FrameHeader, RejectsSixteenBitLengthBelow126) {
  const auto d = decode_header(from_hex("82 7e 00 7d"));
  EXPECT_EQ(d.status, DecodedHeader::Status::invalid);
  EXPECT_EQ(d.error.close_code, close_code::protocol_error);
  EXPECT_EQ(d.error.rule, Rule::non_minimal_length);
}

TEST(FrameHeader, AcceptsSixteenBitLengthOf126) {
  EXPECT_EQ(decode_header(from_hex("82 7e 00 7e")).status, DecodedHeader::Status::complete);
}

TEST(FrameHeader, RejectsSixtyFourBitLengthBelow65536) {
  const auto d = decode_header(from_hex("82 7f 00 00 00 00 00 00 ff ff"));
  EXPECT_EQ(d.status, DecodedHeader::Status::invalid);
  EXPECT_EQ(d.error.close_code, close_code::protocol_error);
  EXPECT_EQ(d.error.rule, Rule::non_minimal_length);
  EXPECT_EQ(decode_header(from_hex("82 7f 00 00 00 00 00 01 00 00")).status,
            DecodedHeader::Status::complete);
}

TEST(FrameHeader, RejectsSixtyFourBitLengthWithTopBitSet) {
  const auto d = decode_header(from_hex("82 7f 80 00 00 00 00 00 00 00"));
  EXPECT_EQ(d.status, DecodedHeader::Status::invalid);
  EXPECT_EQ(d.error.rule, Rule::length_top_bit_set);
  EXPECT_NE(d.error.reason.find("most significant bit"), std::string_view::npos);
}

TEST(FrameHeader, AcceptsLargestLegalLength) {
  const auto d = decode_header(from_hex("82 7f 7f ff ff ff ff ff ff ff"));
  ASSERT_EQ(d.status, DecodedHeader::Status::complete);
  EXPECT_EQ(d.header.payload_length, UINT64_MAX >> 1);
}

TEST(FrameHeader, EncodesNonMinimalLengthsOnRequest) {
  FrameHeader h{true, 0, 0x1, false, {}, 5};
  std::array<uint8_t, max_header_size> out{};
  EXPECT_EQ(encode_header(h, out, LengthForm::extended16), 4u);
  EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.begin() + 4), from_hex("81 7e 00 05"));
  EXPECT_EQ(encode_header(h, out, LengthForm::extended64), 10u);
  EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.begin() + 10),
            from_hex("81 7f 00 00 00 00 00 00 00 05"));
}

TEST(FrameHeader, EncodesLengthBoundaries) {
  for (uint64_t len : {0ull, 125ull, 126ull, 65535ull, 65536ull, (1ull << 63) - 1}) {
    FrameHeader h{true, 0, 0x2, true, {1, 2, 3, 4}, len};
    std::array<uint8_t, max_header_size> out{};
    const size_t n = encode_header(h, out);
    const auto d = decode_header(std::span(out).first(n));
    ASSERT_EQ(d.status, DecodedHeader::Status::complete) << len;
    EXPECT_EQ(d.header, h) << len;
    EXPECT_EQ(n, len < 126 ? 6u : (len <= 0xFFFF ? 8u : 14u));
  }
}

}  // namespace
}  // namespace wsprobe::codec
