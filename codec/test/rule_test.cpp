#include "wsprobe/rule.hpp"

#include <gtest/gtest.h>

#include <set>

#include "wsprobe/close.hpp"
#include "wsprobe/error.hpp"

namespace wsprobe::codec {
namespace {

// error_of() is usable where a constant is: the table is constexpr.
static_assert(error_of(Rule::control_frame_too_long).close_code == close_code::protocol_error);
static_assert(rule_section(Rule::message_too_big) == "RFC 6455 10.4");

Rule nth(size_t i) {
  return static_cast<Rule>(i);
}

TEST(Rule, NamesAreTheEnumeratorsSpelledOut) {
  EXPECT_EQ(rule_name(Rule::control_frame_too_long), "control_frame_too_long");
  EXPECT_EQ(rule_name(Rule::reserved_opcode), "reserved_opcode");
  EXPECT_EQ(rule_name(Rule::handshake_bad_key), "handshake_bad_key");
}

TEST(Rule, EveryNameIsUniqueAndAnIdentifier) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < rule_count; ++i) {
    const std::string_view name = rule_name(nth(i));
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_"),
              std::string_view::npos)
        << name;
  }
}

TEST(Rule, EveryReasonStartsWithTheRfcSectionItCites) {
  for (size_t i = 0; i < rule_count; ++i) {
    const RuleInfo& info = rule_info(nth(i));
    EXPECT_TRUE(info.reason.starts_with("RFC ")) << info.name;
    const std::string_view section = rule_section(nth(i));
    EXPECT_LT(section.size(), info.reason.size()) << info.name;
    EXPECT_TRUE(info.reason.substr(section.size()).starts_with(": ")) << info.name;
  }
}

// A rule either fails a connection (a close code a close frame may carry) or rejects a handshake
// (an HTTP 4xx status), never both.
TEST(Rule, EveryRuleAnswersWithACloseCodeOrAnHttpStatus) {
  for (size_t i = 0; i < rule_count; ++i) {
    const RuleInfo& info = rule_info(nth(i));
    EXPECT_NE(info.close_code == 0, info.http_status == 0) << info.name;
    if (info.close_code != 0) {
      EXPECT_TRUE(is_valid_close_code(info.close_code)) << info.name;
    }
    if (info.http_status != 0) {
      EXPECT_GE(info.http_status, 400) << info.name;
      EXPECT_LT(info.http_status, 500) << info.name;
    }
  }
}

TEST(Rule, ErrorOfTakesCodeStatusAndReasonFromTheTable) {
  const Error e = error_of(Rule::invalid_utf8);
  EXPECT_EQ(e.rule, Rule::invalid_utf8);
  EXPECT_EQ(e.close_code, close_code::invalid_payload);
  EXPECT_EQ(e.http_status, 0);
  EXPECT_EQ(e.reason, "RFC 6455 8.1: text message is not valid UTF-8");
  EXPECT_EQ(error_of(Rule::handshake_unsupported_version).http_status, 426);
}

TEST(Rule, ErrorsBuiltFromTextHaveNoNamedRule) {
  EXPECT_EQ(protocol_error("RFC 6455 5.2: something").rule, Rule::unspecified);
  EXPECT_EQ(http_error(400, "RFC 6455 4.1: something").rule, Rule::unspecified);
}

}  // namespace
}  // namespace wsprobe::codec
