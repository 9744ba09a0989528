#include "wsprobe/close.hpp"

#include <gtest/gtest.h>

#include "rfc6455_vectors.hpp"

namespace wsprobe::codec {
namespace {

using vectors::from_hex;

// The table of rfc6455-facts.md ("Close"), written out independently of close.cpp.
CloseCodeClass expected_class(uint32_t c) {
  if (c <= 999) return CloseCodeClass::invalid;
  if (c <= 1003) return CloseCodeClass::defined;
  if (c == 1004) return CloseCodeClass::reserved;
  if (c == 1005 || c == 1006) return CloseCodeClass::local_only;
  if (c <= 1011) return CloseCodeClass::defined;
  if (c <= 1014) return CloseCodeClass::iana;
  if (c == 1015) return CloseCodeClass::local_only;
  if (c <= 2999) return CloseCodeClass::reserved;
  if (c <= 3999) return CloseCodeClass::registered;
  if (c <= 4999) return CloseCodeClass::private_use;
  return CloseCodeClass::invalid;
}

bool sendable(CloseCodeClass k) {
  return k == CloseCodeClass::defined || k == CloseCodeClass::iana ||
         k == CloseCodeClass::registered || k == CloseCodeClass::private_use;
}

TEST(Close, ClassifiesEveryCodeFrom0To65535) {
  int valid = 0;
  for (uint32_t c = 0; c <= 65535; ++c) {
    const auto code = static_cast<uint16_t>(c);
    ASSERT_EQ(classify_close_code(code), expected_class(c)) << c;
    ASSERT_EQ(is_valid_close_code(code), sendable(expected_class(c))) << c;
    const std::vector<uint8_t> payload{static_cast<uint8_t>(c >> 8), static_cast<uint8_t>(c)};
    const auto parsed = parse_close_payload(payload);
    ASSERT_EQ(parsed.ok(), sendable(expected_class(c))) << c;
    if (parsed) {
      ASSERT_EQ(parsed->code, code);
      ++valid;
    } else {
      ASSERT_EQ(parsed.error().close_code, close_code::protocol_error) << c;
    }
  }
  // 1000-1003, 1007-1014, 3000-4999.
  EXPECT_EQ(valid, 4 + 8 + 2000);
}

TEST(Close, AutobahnValidAndInvalidCodeListsGetTheirVerdicts) {
  for (uint16_t c :
       {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
    EXPECT_TRUE(is_valid_close_code(c)) << c;  // Autobahn 7.7.x
  }
  for (uint16_t c : {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999}) {
    EXPECT_FALSE(is_valid_close_code(c)) << c;  // Autobahn 7.9.x
  }
  for (uint16_t c : {1012, 1013, 1014})
    EXPECT_TRUE(is_valid_close_code(c)) << c;  // IANA
  for (uint16_t c : {1015, 5000, 65535})
    EXPECT_FALSE(is_valid_close_code(c)) << c;
}

TEST(Close, EmptyPayloadMeansNoStatus) {
  const auto parsed = parse_close_payload({});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->code, close_code::no_status);
  EXPECT_TRUE(parsed->reason.empty());
}

TEST(Close, RejectsOneBytePayload) {
  const auto parsed = parse_close_payload(from_hex("03"));
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().close_code, close_code::protocol_error);
  EXPECT_EQ(parsed.error().rule, Rule::close_payload_one_byte);
}

TEST(Close, RejectsCodesThatMayNotBeSentAsInvalidCloseCode) {
  for (const char* hex :
       {"03e7", "03ec", "03ed", "03ee", "03f7", "1388"}) {  // 999 1004-6 1015 5000
    const auto parsed = parse_close_payload(from_hex(hex));
    ASSERT_FALSE(parsed) << hex;
    EXPECT_EQ(parsed.error().rule, Rule::invalid_close_code) << hex;
    EXPECT_EQ(parsed.error().close_code, close_code::protocol_error) << hex;
  }
}

TEST(Close, RejectsPayloadLongerThan125AsAControlFrameTooLong) {
  const auto parsed =
      parse_close_payload(vectors::concat(from_hex("03e8"), std::vector<uint8_t>(124, 'x')));
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().rule, Rule::control_frame_too_long);
}

TEST(Close, ParsesCodeAndUtf8Reason) {
  const auto parsed = parse_close_payload(from_hex("03e8 cebae1bdb9cf83cebcceb5"));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->code, 1000);
  EXPECT_EQ(parsed->reason, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5");  // κόσμε
}

TEST(Close, RejectsInvalidUtf8ReasonWith1007) {
  // Autobahn 7.5.1.
  const auto parsed =
      parse_close_payload(from_hex("03e8 cebae1bdb9cf83cebcceb5eda080656469746564"));
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().close_code, close_code::invalid_payload);
  EXPECT_EQ(parsed.error().rule, Rule::close_reason_invalid_utf8);
}

TEST(Close, BuildsPayloadsItCanParseBack) {
  const auto built = build_close_payload(4000, "bye");
  ASSERT_TRUE(built);
  EXPECT_EQ(built.value(), from_hex("0fa0 627965"));
  EXPECT_EQ(parse_close_payload(built.value())->reason, "bye");
  EXPECT_TRUE(build_close_payload(close_code::no_status)->empty());
}

TEST(Close, RefusesToBuildWhatMayNotBeSent) {
  EXPECT_EQ(build_close_payload(1006).error().rule, Rule::invalid_close_code);
  EXPECT_EQ(build_close_payload(1005, "reason without code").error().rule,
            Rule::close_reason_without_code);
  EXPECT_EQ(build_close_payload(1000, std::string(124, 'x')).error().rule,
            Rule::close_reason_too_long);
  EXPECT_TRUE(build_close_payload(1000, std::string(123, 'x')));
  EXPECT_EQ(build_close_payload(1000, "\xff").error().rule, Rule::close_reason_invalid_utf8);
}

TEST(Close, UncheckedEncoderWritesWhateverItIsGiven) {
  // What the checked builder refuses: a local-only code, a reason that is not UTF-8, and a
  // payload over 125 bytes (the tester sends them to see the peer refuse them).
  EXPECT_EQ(encode_close_payload_unchecked(1005), from_hex("03ed"));
  EXPECT_EQ(encode_close_payload_unchecked(0, from_hex("ff c0")), from_hex("0000 ffc0"));
  EXPECT_EQ(encode_close_payload_unchecked(65535, std::vector<uint8_t>(200, 'x')).size(), 202u);
  EXPECT_FALSE(parse_close_payload(encode_close_payload_unchecked(1005)));
}

TEST(Close, CheckedBuilderAgreesWithTheUncheckedEncoderOnValidInput) {
  const std::string reason = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";
  const std::vector<uint8_t> bytes(reason.begin(), reason.end());
  EXPECT_EQ(build_close_payload(3000, reason).value(), encode_close_payload_unchecked(3000, bytes));
}

}  // namespace
}  // namespace wsprobe::codec
