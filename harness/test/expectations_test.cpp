// A case's expected events held as runs read, compare and describe as the events they stand for.
#include "engine/expectations.hpp"

#include <gtest/gtest.h>

#include <string>

#include "engine/describe.hpp"

namespace wsprobe::harness {
namespace {

Payload text(const std::string& s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

// Four events: "a", then three windows of 3 bytes of "0123456789" (cyclic), then a pong.
Expectations sample() {
  Expectations x;
  x.add({Expected::Kind::text, text("a"), {}});
  const std::string data = "0123456789";
  auto windows = std::make_shared<PayloadWindows>();
  windows->cycle = Payload::repeated({data.begin(), data.end()}, SIZE_MAX / 2);
  windows->window = 3;
  windows->size = data.size();
  x.add_windows({Expected::Kind::binary, {}, {}}, windows, 3);
  x.add({Expected::Kind::pong, text("p"), {}}, 1);
  return x;
}

TEST(Expectations, RunsReadAsTheEventsTheyStandFor) {
  const auto x = sample();
  ASSERT_EQ(x.size(), 5U);
  EXPECT_EQ(x.runs().size(), 3U);
  EXPECT_EQ(x[0].payload, text("a"));
  EXPECT_EQ(x[1].payload, text("012"));
  EXPECT_EQ(x[2].payload, text("345"));
  EXPECT_EQ(x[3].payload, text("678"));
  EXPECT_EQ(x[3].kind, Expected::Kind::binary);
  EXPECT_EQ(x[4].kind, Expected::Kind::pong);
  EXPECT_EQ(x.events().size(), 5U);
  EXPECT_EQ(x.largest_payload(), 3U);
}

TEST(Expectations, RepeatedEventCountsEachCopy) {
  Expectations x;
  x.add({Expected::Kind::ping, text("hi"), {}}, 1000);
  x.add({Expected::Kind::ping, text("never"), {}}, 0);
  EXPECT_EQ(x.size(), 1000U);
  EXPECT_EQ(x.runs().size(), 1U);
  EXPECT_EQ(x[999].payload, text("hi"));
}

TEST(Expectations, JudgesExactMatchBeginningAndPendingRest) {
  const auto x = sample();
  auto got = x.events();
  EXPECT_TRUE(x.matched_by(got));
  EXPECT_TRUE(x.begun_in(got));
  EXPECT_FALSE(x.pending_after(got));
  got.push_back({Expected::Kind::text, text("extra"), {}});
  EXPECT_FALSE(x.matched_by(got));
  EXPECT_TRUE(x.begun_in(got));
  got.resize(3);
  EXPECT_FALSE(x.matched_by(got));
  EXPECT_FALSE(x.begun_in(got));
  EXPECT_TRUE(x.pending_after(got));
  got[2].payload = text("346");  // a wrong window
  EXPECT_FALSE(x.pending_after(got));
}

TEST(Expectations, DescribesEachRunOnce) {
  const auto lines = describe_runs(sample());
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0], "text 'a' (1 bytes)");
  EXPECT_EQ(lines[1].rfind("3 x binary '012' (3 bytes) (this the first;", 0), 0U) << lines[1];
  EXPECT_EQ(lines[2], "pong 'p' (1 bytes)");
}

TEST(Expectations, DescribesReceivedEventsARunOfTheSameLineOnce) {
  const Expected ping{Expected::Kind::ping, text("p"), {}};
  const std::vector<Expected> got{ping, ping, ping, {Expected::Kind::text, text("a"), {}}, ping};
  const auto lines = describe_runs(got);
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0], "3 x ping 'p' (1 bytes)");
  EXPECT_EQ(lines[1], "text 'a' (1 bytes)");
  EXPECT_EQ(lines[2], "ping 'p' (1 bytes)");
}

TEST(Expectations, DescribesReceivedEventsThatMatchedAsTheExpectedRuns) {
  const auto x = sample();
  auto got = x.events();
  got.resize(3);                                         // "a" and two of the three windows
  got.push_back({Expected::Kind::text, text("z"), {}});  // then something else
  const auto lines = describe_received(x, 3, got);
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0], "text 'a' (1 bytes)");
  EXPECT_EQ(lines[1].rfind("2 x binary '012' (3 bytes) (this the first;", 0), 0U) << lines[1];
  EXPECT_EQ(lines[2], "text 'z' (1 bytes)");
  EXPECT_EQ(describe_received(x, 0, got), describe_runs(got));
}

TEST(Expectations, DescribesBytesThatAreNotTextAsHexCutAt32) {
  std::string hex;
  for (int i = 0; i < 32; ++i)
    hex += "ab";
  EXPECT_EQ(describe_bytes(std::vector<uint8_t>(40, 0xab)), "hex " + hex + "... (40 bytes)");
  EXPECT_EQ(describe_bytes(std::vector<uint8_t>{0x00, 0x7f}), "hex 007f (2 bytes)");
  EXPECT_EQ(describe_bytes({}), "'' (0 bytes)");
}

}  // namespace
}  // namespace wsprobe::harness
