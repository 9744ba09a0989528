#include "wsprobe/reader.hpp"

#include <gtest/gtest.h>

#include <string>

#include "rfc6455_vectors.hpp"

namespace wsprobe::codec {
namespace {

using vectors::from_hex;

ReaderOptions as(Role role) {
  ReaderOptions o;
  o.role = role;
  return o;
}

// A frame as the peer of a `receiver` sends it: masked towards a server.
std::vector<uint8_t> frame(Role receiver, uint8_t b0, const std::vector<uint8_t>& payload) {
  FrameHeader h;
  h.fin = (b0 & 0x80) != 0;
  h.rsv = (b0 >> 4) & 7;
  h.opcode = b0 & 0xF;
  h.masked = receiver == Role::server;
  h.mask = {0x37, 0xfa, 0x21, 0x3d};
  return encode_frame(h, payload);
}

std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::string hex(std::span<const uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (const uint8_t b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 0xF];
  }
  return s;
}

// One line per event; after-close bytes joined into one line, since their chunking follows the
// reads (the only thing a split may change).
std::vector<std::string> describe(const std::vector<ReaderEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (const auto* h = std::get_if<FrameHeaderEvent>(&e)) {
      out.push_back("header " + std::to_string(h->header.opcode) + " fin " +
                    std::to_string(h->header.fin) + " len " +
                    std::to_string(h->header.payload_length));
    } else if (const auto* m = std::get_if<MessageEvent>(&e)) {
      out.push_back("message " + std::to_string(static_cast<int>(m->opcode)) + " " + hex(m->data) +
                    " rsv " + std::to_string(m->rsv));
    } else if (const auto* p = std::get_if<PingEvent>(&e)) {
      out.push_back("ping " + hex(p->payload));
    } else if (const auto* q = std::get_if<PongEvent>(&e)) {
      out.push_back("pong " + hex(q->payload));
    } else if (const auto* c = std::get_if<CloseFrameEvent>(&e)) {
      out.push_back("close " + std::to_string(c->code) + " " + c->reason + " " + hex(c->payload));
    } else if (const auto* f = std::get_if<FailureEvent>(&e)) {
      out.push_back("failure " + std::string(rule_name(f->error.rule)));
    } else {
      const auto& bytes = std::get<AfterCloseEvent>(e).bytes;
      if (out.empty() || !out.back().starts_with("after ")) out.emplace_back("after ");
      out.back() += hex(bytes);
    }
  }
  return out;
}

std::vector<std::string> read_whole(const ReaderOptions& o, const std::vector<uint8_t>& bytes) {
  Reader r(o);
  r.feed(bytes);
  return describe(r.take_events());
}

std::vector<std::string> read_cut(const ReaderOptions& o, const std::vector<uint8_t>& bytes,
                                  std::initializer_list<size_t> cuts) {
  Reader r(o);
  std::vector<ReaderEvent> events;
  size_t from = 0;
  for (const size_t to : cuts) {
    r.feed(std::span(bytes).subspan(from, to - from));
    for (auto& e : r.take_events())
      events.push_back(std::move(e));
    from = to;
  }
  r.feed(std::span(bytes).subspan(from));
  for (auto& e : r.take_events())
    events.push_back(std::move(e));
  return describe(events);
}

Error failure_of(const ReaderOptions& o, const std::vector<uint8_t>& bytes) {
  Reader r(o);
  r.feed(bytes);
  for (const auto& e : r.take_events()) {
    if (const auto* f = std::get_if<FailureEvent>(&e)) return f->error;
  }
  ADD_FAILURE() << "no failure";
  return {};
}

TEST(Reader, ReportsEachHeaderBeforeWhatTheFrameCompletes) {
  // RFC 6455 5.4: a ping between the two fragments of a text message.
  const auto bytes = from_hex("01 03 48656c  89 01 70  80 02 6c6f");
  EXPECT_EQ(read_whole(as(Role::client), bytes),
            (std::vector<std::string>{"header 1 fin 0 len 3", "header 9 fin 1 len 1", "ping 70",
                                      "header 0 fin 1 len 2", "message 1 48656c6c6f rsv 0"}));
}

TEST(Reader, ReportsPongAndBinaryMessage) {
  const auto bytes = cat(
      {frame(Role::server, 0x8a, from_hex("0102")), frame(Role::server, 0x82, from_hex("00ff"))});
  EXPECT_EQ(read_whole(as(Role::server), bytes),
            (std::vector<std::string>{"header 10 fin 1 len 2", "pong 0102", "header 2 fin 1 len 2",
                                      "message 2 00ff rsv 0"}));
}

TEST(Reader, ReportsCloseFrameWithCodeReasonAndRawPayload) {
  Reader r(as(Role::server));
  r.feed(frame(Role::server, 0x88, from_hex("03e8 627965")));
  const auto events = r.take_events();
  ASSERT_EQ(events.size(), 2u);
  const auto& close = std::get<CloseFrameEvent>(events[1]);
  EXPECT_EQ(close.code, close_code::normal);
  EXPECT_EQ(close.reason, "bye");
  EXPECT_EQ(close.payload, from_hex("03e8 627965"));
  EXPECT_TRUE(r.close_received());
  EXPECT_FALSE(r.failed());
}

TEST(Reader, EmptyCloseFrameHasNoStatusCode) {
  Reader r(as(Role::client));
  r.feed(from_hex("88 00"));
  const auto events = r.take_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<CloseFrameEvent>(events[1]).code, close_code::no_status);  // RFC 6455 7.1.5
}

struct RuleCase {
  const char* name;
  Role receiver;
  std::vector<uint8_t> bytes;
  Rule rule;
  uint16_t close_code;
};

class ReaderRules : public ::testing::TestWithParam<RuleCase> {};

TEST_P(ReaderRules, FailsWithTheRuleBroken) {
  const RuleCase& c = GetParam();
  const Error err = failure_of(as(c.receiver), c.bytes);
  EXPECT_EQ(err.rule, c.rule) << rule_name(err.rule);
  EXPECT_EQ(err.close_code, c.close_code);
  EXPECT_EQ(err, error_of(c.rule));
}

INSTANTIATE_TEST_SUITE_P(
    Reader, ReaderRules,
    ::testing::Values(
        RuleCase{"reserved_data_opcode", Role::client, from_hex("83 00"), Rule::reserved_opcode,
                 1002},
        RuleCase{"reserved_control_opcode", Role::client, from_hex("8b 00"), Rule::reserved_opcode,
                 1002},
        RuleCase{"rsv", Role::client, from_hex("c1 00"), Rule::rsv_without_extension, 1002},
        RuleCase{"fragmented_ping", Role::client, from_hex("09 00"), Rule::control_frame_fragmented,
                 1002},
        RuleCase{"long_ping", Role::client, from_hex("89 7e 00 7e"), Rule::control_frame_too_long,
                 1002},
        RuleCase{"unmasked_to_server", Role::server, from_hex("81 00"), Rule::unmasked_client_frame,
                 1002},
        RuleCase{"masked_to_client", Role::client, from_hex("81 80 01020304"),
                 Rule::masked_server_frame, 1002},
        RuleCase{"non_minimal_16", Role::client, from_hex("82 7e 00 05"), Rule::non_minimal_length,
                 1002},
        RuleCase{"non_minimal_64", Role::client, from_hex("82 7f 0000000000000005"),
                 Rule::non_minimal_length, 1002},
        RuleCase{"top_bit", Role::client, from_hex("82 7f 8000000000000000"),
                 Rule::length_top_bit_set, 1002},
        RuleCase{"huge_frame", Role::client, from_hex("82 7f 7fffffffffffffff"),
                 Rule::frame_too_big, 1009},
        RuleCase{"continuation_first", Role::client, from_hex("80 01 41"),
                 Rule::continuation_without_message, 1002},
        RuleCase{"text_inside_text", Role::client, from_hex("01 01 41 81 01 42"),
                 Rule::data_frame_inside_message, 1002},
        RuleCase{"truncated_utf8", Role::client, from_hex("81 04 cebae1bd"), Rule::truncated_utf8,
                 1007},
        RuleCase{"surrogate", Role::client, from_hex("81 03 eda080"), Rule::invalid_utf8, 1007},
        RuleCase{"close_one_byte", Role::client, from_hex("88 01 03"), Rule::close_payload_one_byte,
                 1002},
        RuleCase{"close_code_999", Role::client, from_hex("88 02 03e7"), Rule::invalid_close_code,
                 1002},
        RuleCase{"close_code_1005", Role::client, from_hex("88 02 03ed"), Rule::invalid_close_code,
                 1002},
        RuleCase{"close_reason_not_utf8", Role::client, from_hex("88 04 03e8 c0af"),
                 Rule::close_reason_invalid_utf8, 1007}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(Reader, ReportsBytesAfterTheCloseFrameUninterpreted) {
  const auto after = from_hex("81 05 48656c6c6f 83 00");  // a text frame, then a reserved opcode
  Reader r(as(Role::client));
  r.feed(cat({from_hex("88 02 03e8"), after}));
  r.feed(from_hex("ff"));
  EXPECT_EQ(describe(r.take_events()),
            (std::vector<std::string>{"header 8 fin 1 len 2", "close 1000  03e8",
                                      "after " + hex(after) + "ff"}));
  EXPECT_EQ(r.after_close_bytes(), after.size() + 1);
  EXPECT_FALSE(r.failed());  // not protocol: no rule applies to them
}

TEST(Reader, AfterCloseBytesAreTheMaskedBytesAsTheyArrived) {
  const auto after = frame(Role::server, 0x81, from_hex("41"));
  Reader r(as(Role::server));
  r.feed(cat({frame(Role::server, 0x88, {}), after}));
  const auto events = r.take_events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(std::get<AfterCloseEvent>(events[2]).bytes, after);
}

TEST(Reader, KeepsTheFirstAfterCloseBytesAndCountsTheRest) {
  ReaderOptions o = as(Role::client);
  o.max_after_close_bytes = 3;
  Reader r(o);
  r.feed(from_hex("88 00 0102"));
  r.feed(from_hex("0304"));
  r.feed(std::vector<uint8_t>(1000, 0x05));
  EXPECT_EQ(describe(r.take_events()),
            (std::vector<std::string>{"header 8 fin 1 len 0", "close 1005  ", "after 010203"}));
  EXPECT_EQ(r.after_close_bytes(), 1004u);
}

TEST(Reader, StopsAtTheFirstFailureAndOnlyCountsWhatFollows) {
  Reader r(as(Role::client));
  r.feed(from_hex("81 01 41  83 00  81 01 42"));
  EXPECT_EQ(describe(r.take_events()),
            (std::vector<std::string>{"header 1 fin 1 len 1", "message 1 41 rsv 0",
                                      "failure reserved_opcode"}));
  EXPECT_TRUE(r.failed());
  EXPECT_EQ(r.discarded_bytes(), 3u);
  r.feed(from_hex("89 00"));
  EXPECT_TRUE(r.take_events().empty());
  EXPECT_EQ(r.discarded_bytes(), 5u);
}

TEST(Reader, HandsEventsToASinkAsTheyAreReadAndKeepsNone) {
  Reader r(as(Role::client));
  std::vector<ReaderEvent> seen;
  r.feed(from_hex("89 01 70  81 01 41"), [&](ReaderEvent&& e) { seen.push_back(std::move(e)); });
  EXPECT_EQ(describe(seen),
            (std::vector<std::string>{"header 9 fin 1 len 1", "ping 70", "header 1 fin 1 len 1",
                                      "message 1 41 rsv 0"}));
  EXPECT_TRUE(r.take_events().empty());
  auto masked = frame(Role::server, 0x8a, from_hex("0102"));
  Reader server(as(Role::server));
  seen.clear();
  server.feed_in_place(masked, [&](ReaderEvent&& e) { seen.push_back(std::move(e)); });
  EXPECT_EQ(describe(seen), (std::vector<std::string>{"header 10 fin 1 len 2", "pong 0102"}));
}

TEST(Reader, AnySplitYieldsTheSameEvents) {
  const auto bytes = cat(
      {frame(Role::server, 0x01, from_hex("cebae1bd")), frame(Role::server, 0x89, {0x70}),
       frame(Role::server, 0x80, from_hex("b9cf83cebcceb5")),
       frame(Role::server, 0x82, vectors::pattern(300)), frame(Role::server, 0x8a, from_hex("")),
       frame(Role::server, 0x88, from_hex("03e9")), frame(Role::server, 0x81, from_hex("41"))});
  const auto whole = read_whole(as(Role::server), bytes);
  ASSERT_EQ(whole.size(), 12u);  // six headers, the five things they complete, after-close bytes
  for (size_t i = 0; i <= bytes.size(); ++i) {
    ASSERT_EQ(read_cut(as(Role::server), bytes, {i}), whole) << "cut at " << i;
    for (size_t j = i; j <= bytes.size(); j += 7)
      ASSERT_EQ(read_cut(as(Role::server), bytes, {i, j}), whole) << "cuts " << i << ", " << j;
  }
  Reader bytewise(as(Role::server));
  std::vector<ReaderEvent> events;
  for (const uint8_t b : bytes) {
    bytewise.feed(std::span(&b, 1));
    for (auto& e : bytewise.take_events())
      events.push_back(std::move(e));
  }
  EXPECT_EQ(describe(events), whole);
}

TEST(Reader, AnySplitFailsAtTheSameRule) {
  const auto bytes = from_hex("01 02 cebb 00 02 eda0 80 02 8080");  // ED A0: a surrogate
  const auto whole = read_whole(as(Role::client), bytes);
  ASSERT_EQ(whole.back(), "failure invalid_utf8");
  for (size_t i = 0; i <= bytes.size(); ++i)
    ASSERT_EQ(read_cut(as(Role::client), bytes, {i}), whole) << "cut at " << i;
}

TEST(Reader, ClaimedHugeLengthFailsAtItsHeaderWithoutWaitingForPayload) {
  ReaderOptions o = as(Role::client);
  o.max_message_size = 1 << 20;
  Reader r(o);
  r.feed(from_hex("82 7f 7fffffffffffffff"));  // 2^63-1 bytes claimed; none sent
  const auto events = r.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<FailureEvent>(events[0]).error.rule, Rule::frame_too_big);
}

TEST(Reader, EndlessFragmentedMessageFailsWith1009AtTheHeaderThatCrossesTheLimit) {
  ReaderOptions o = as(Role::client);
  o.max_message_size = 1000;
  Reader r(o);
  r.feed(vectors::concat(from_hex("02 64"), vectors::pattern(100)));  // 100 bytes
  const auto fragment = vectors::concat(from_hex("00 64"), vectors::pattern(100));
  for (int i = 1; i < 10; ++i)
    r.feed(fragment);  // 1000 bytes: exactly the limit
  EXPECT_FALSE(r.failed());
  r.take_events();
  r.feed(from_hex("00 64"));  // the header alone already crosses it
  const auto events = r.take_events();
  ASSERT_EQ(events.size(), 2u);
  const Error err = std::get<FailureEvent>(events[1]).error;
  EXPECT_EQ(err.rule, Rule::message_too_big);
  EXPECT_EQ(err.close_code, close_code::message_too_big);
}

TEST(Reader, FrameLimitAppliesOnItsOwnWhenSet) {
  ReaderOptions o = as(Role::client);
  o.max_message_size = 1000;
  o.max_frame_size = 10;
  EXPECT_EQ(failure_of(o, vectors::concat(from_hex("82 0b"), vectors::pattern(11))).rule,
            Rule::frame_too_big);
  Reader r(o);
  r.feed(vectors::concat(from_hex("82 0a"), vectors::pattern(10)));
  EXPECT_FALSE(r.failed());
}

TEST(Reader, FeedInPlaceUnmasksTheCallersBuffer) {
  auto bytes = frame(Role::server, 0x82, from_hex("010203"));
  Reader r(as(Role::server));
  r.feed_in_place(bytes);
  const auto events = r.take_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<MessageEvent>(events[1]).data, from_hex("010203"));
  EXPECT_EQ(std::vector<uint8_t>(bytes.end() - 3, bytes.end()), from_hex("010203"));
}

TEST(Reader, CarriesAllowedRsvBitsOnTheMessage) {
  ReaderOptions o = as(Role::client);
  o.allowed_rsv = rsv::rsv1;
  EXPECT_EQ(read_whole(o, from_hex("c2 01 41")),
            (std::vector<std::string>{"header 2 fin 1 len 1", "message 2 41 rsv 4"}));
}

TEST(Reader, AtMessageBoundaryOnlyBetweenMessages) {
  Reader r(as(Role::client));
  EXPECT_TRUE(r.at_message_boundary());
  r.feed(from_hex("01 01"));
  EXPECT_FALSE(r.at_message_boundary());  // inside a frame
  r.feed(from_hex("41"));
  EXPECT_FALSE(r.at_message_boundary());  // inside a fragmented message
  r.feed(from_hex("80 00"));
  EXPECT_TRUE(r.at_message_boundary());
}

}  // namespace
}  // namespace wsprobe::codec
