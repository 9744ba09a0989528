// The case engine's rules, without a network: a scripted transport plays the peer.
#include <gtest/gtest.h>

#include <deque>
#include <variant>

#include "engine/conversation.hpp"
#include "engine/verdict.hpp"
#include "wsprobe/reader.hpp"

namespace wsprobe::harness {
namespace {

// The peer: it receives what the tester writes and answers with scripted bytes after a given
// number of writes. Reads never wait: a read with nothing to deliver is a timeout.
class ScriptedPeer : public Transport {
 public:
  struct Line {
    size_t after_writes;
    std::vector<uint8_t> bytes;
  };
  ScriptedPeer(std::vector<uint8_t>* written, std::deque<Line> script)
      : written_(written), script_(std::move(script)) {}

  IoResult write(std::span<const uint8_t> bytes, Clock::time_point /*deadline*/) override {
    written_->insert(written_->end(), bytes.begin(), bytes.end());
    ++writes_;
    return {IoStatus::ok, bytes.size(), {}};
  }
  IoResult read_some(std::span<uint8_t> buffer, Clock::time_point /*deadline*/) override {
    if (script_.empty() || script_.front().after_writes > writes_)
      return {IoStatus::timeout, 0, {}};
    auto line = std::move(script_.front());
    script_.pop_front();
    std::copy(line.bytes.begin(), line.bytes.end(), buffer.begin());
    return {IoStatus::ok, line.bytes.size(), {}};
  }
  void close() override {}

 private:
  std::vector<uint8_t>* written_;
  std::deque<Line> script_;
  size_t writes_ = 0;
};

std::vector<uint8_t> server_frame(uint8_t opcode, std::vector<uint8_t> payload) {
  return codec::encode_frame(codec::FrameHeader{true, 0, opcode, false, {}, 0}, payload);
}

// What the tester (a client) wrote, as the server reads it.
std::vector<codec::ReaderEvent> read_as_server(const std::vector<uint8_t>& bytes) {
  codec::Reader reader(codec::ReaderOptions{codec::Role::server, 1 << 20, 0, false, 7, 4096,
                                            UINT64_MAX, std::nullopt});
  reader.feed(bytes);
  return reader.take_events();
}

struct Harness {
  CaseResult result;
  Wire wire{result, 1.0};
  Sender sender{codec::Role::client, seeded_random(1, "t")};
  Receiver receiver{codec::Role::client, 1 << 16, 8, wire, "the server"};
  Conversation conversation{wire, sender, receiver, result, 5.0};
  std::vector<uint8_t> written;

  explicit Harness(std::deque<ScriptedPeer::Line> script) {
    wire.attach(std::make_unique<ScriptedPeer>(&written, std::move(script)));
  }
};

Step text_step(size_t size, size_t chop) {
  Step s;
  s.header = codec::FrameHeader{true, 4, 0x1, true, {}, 0};  // RSV=4: the server fails it
  s.payload = std::vector<uint8_t>(size, 'x');
  s.chop = chop;
  return s;
}

TEST(Conversation, FinishesItsFrameBeforeAnsweringThePeersClose) {
  // The server fails the connection at our frame's header (3rd byte written); our close reply
  // must follow the whole frame, not land inside its payload (Autobahn 3.4 in 1-byte writes).
  Harness h({{3, server_frame(0x8, {0x03, 0xEA})}});
  for (const auto& frame : h.sender.plan(text_step(16, 1)))
    h.conversation.send(frame);
  ASSERT_TRUE(h.receiver.close_received());
  const auto events = read_as_server(h.written);
  std::vector<uint8_t> opcodes;
  for (const auto& e : events) {
    if (const auto* f = std::get_if<codec::FrameHeaderEvent>(&e))
      opcodes.push_back(f->header.opcode);
    EXPECT_FALSE(std::holds_alternative<codec::FailureEvent>(e));
  }
  EXPECT_EQ(opcodes, (std::vector<uint8_t>{0x1, 0x8}));
  const auto* close = std::get_if<codec::CloseFrameEvent>(&events.back());
  ASSERT_NE(close, nullptr);
  EXPECT_EQ(close->code, 1002);  // RFC 6455 5.5.1: the code echoed
}

TEST(Conversation, AnswersOnlyTheLatestPingOfABurst) {
  std::vector<uint8_t> burst;
  for (uint8_t i = 0; i < 50; ++i) {
    const auto f = server_frame(0x9, {i});
    burst.insert(burst.end(), f.begin(), f.end());
  }
  Harness h({{0, burst}});
  h.conversation.poll();
  const auto events = read_as_server(h.written);
  ASSERT_EQ(events.size(), 2U);  // one pong: its header, then the pong
  const auto* pong = std::get_if<codec::PongEvent>(&events[1]);
  ASSERT_NE(pong, nullptr);
  EXPECT_EQ(pong->payload, std::vector<uint8_t>{49});  // RFC 6455 5.5.3: the most recent
}

TEST(Receiver, KeepsABoundedRecordOfAFlood) {
  CaseResult result;
  Wire wire(result, 1.0);
  Receiver receiver(codec::Role::client, 1024, 8, wire, "the server");
  for (int i = 0; i < 10000; ++i) {  // each ping different: every line a new one
    auto f = server_frame(0x9, {static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8)});
    receiver.feed(f);
  }
  EXPECT_EQ(receiver.events().size(), 8U);
  EXPECT_TRUE(receiver.truncated());
  EXPECT_LE(result.log.size(), max_evidence);
  EXPECT_TRUE(result.evidence_truncated);
}

TEST(Receiver, RecordsTheSameLineInARowOnceWithItsCount) {
  CaseResult result;
  Wire wire(result, 1.0);
  Receiver receiver(codec::Role::client, 1024, 8, wire, "the server");
  for (int i = 0; i < 10000; ++i) {
    auto f = server_frame(0x9, std::vector<uint8_t>(100, 'p'));
    receiver.feed(f);
  }
  // The 9 pings the receiver keeps, the note that it keeps no more, the other 9991.
  ASSERT_EQ(result.log.size(), 3U);
  EXPECT_EQ(result.log[0].repeat, 9U);
  EXPECT_EQ(result.log[1].dir, '*');
  EXPECT_EQ(result.log[2].text, result.log[0].text);
  EXPECT_EQ(result.log[2].shown(), result.log[0].text + " (9991 in a row)");
  EXPECT_FALSE(result.evidence_truncated);
}

TEST(Receiver, FailsAMessageLargerThanTheCaseCanGetBackWith1009) {
  CaseResult result;
  Wire wire(result, 1.0);
  Receiver receiver(codec::Role::client, 1024, 8, wire, "the server");
  auto first = codec::encode_frame(codec::FrameHeader{false, 0, 0x1, false, {}, 0},
                                   std::vector<uint8_t>(1000, 'a'));
  auto second = codec::encode_frame(codec::FrameHeader{true, 0, 0x0, false, {}, 0},
                                    std::vector<uint8_t>(1000, 'a'));
  receiver.feed(first);
  EXPECT_FALSE(receiver.violation());
  receiver.feed(second);
  ASSERT_TRUE(receiver.violation());
  EXPECT_EQ(receiver.failure()->close_code, 1009);
}

TEST(Sender, TheSameSeedAndCaseGiveTheSameBytes) {
  const Step s = text_step(32, 0);
  Sender a(codec::Role::client, seeded_random(42, "1.1.1"));
  Sender b(codec::Role::client, seeded_random(42, "1.1.1"));
  Sender c(codec::Role::client, seeded_random(42, "1.1.2"));
  EXPECT_EQ(a.frame_bytes(s), b.frame_bytes(s));
  EXPECT_NE(a.frame_bytes(s), c.frame_bytes(s));
  EXPECT_NE(a.frame_bytes(s), a.frame_bytes(s));  // a fresh key per frame (RFC 6455 5.3)
}

TEST(Sender, ChopsAFrameIntoWritesOfTheGivenSize) {
  Sender s(codec::Role::client, seeded_random(0, "x"));
  const auto frames = s.plan(text_step(10, 4));
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_EQ(frames[0].bytes.size(), 16U);  // 2 + 4-byte key + 10
  EXPECT_EQ(frames[0].cuts, (std::vector<size_t>{4, 8, 12, 16}));
}

TEST(Conversation, WritesALargeFrameFromTheCaseWithoutChangingABit) {
  Step s = text_step(3 << 20, 0);  // over the streaming threshold: masked piece by piece
  s.header.rsv = 0;
  s.chop = 100000;  // cuts that fall inside pieces
  Harness h({});
  Sender copy(codec::Role::client, seeded_random(1, "t"));  // the same keys as h.sender
  const auto expected = copy.frame_bytes(s);
  const auto frames = h.sender.plan(s);
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_FALSE(frames[0].payload.empty());
  h.conversation.send(frames[0]);
  EXPECT_EQ(h.written, expected);
}

TEST(Sender, ACycleOfChopsCutsGatheredFramesAcrossTheirBoundaries) {
  Step s = text_step(5, 0);
  s.header.rsv = 0;
  s.fragment = 1;  // five 7-byte frames
  s.gather = 1024;
  s.chop_cycle = {1, 2, 3};
  Sender sender(codec::Role::client, seeded_random(0, "x"));
  const auto writes = sender.plan(s);
  ASSERT_EQ(writes.size(), 1U);  // one gathered unit of 35 bytes
  EXPECT_EQ(writes[0].cuts, (std::vector<size_t>{1, 3, 6, 7, 9, 12, 13, 15, 18, 19, 21, 24, 25, 27,
                                                 30, 31, 33, 35}));
  // Pieces straddle frames (bytes 13-14 end frame 2 and begin frame 3's header), yet the bytes
  // are the five frames of one message (RFC 6455 5.4).
  size_t texts = 0;
  for (const auto& e : read_as_server(writes[0].bytes))
    texts += std::holds_alternative<codec::FrameHeaderEvent>(e) ? 1 : 0;
  EXPECT_EQ(texts, 5U);
}

TEST(Conversation, AnUntilCloseStepStopsAtThePeersCloseAndCountsWhatFollowedTheHeader) {
  Step s = text_step(1 << 20, 0);
  s.header.rsv = 0;
  s.header.opcode = 0x2;
  s.declared = uint64_t{1} << 62;  // RFC 6455 5.2: a claim far over any limit
  s.until_close = 1.0;
  // The server fails the connection with 1009 once it has seen the first 16 KiB write.
  Harness h({{1, server_frame(0x8, {0x03, 0xF1})}});
  const auto frames = h.sender.plan(s);
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_EQ(frames[0].bytes.size(), 14U);  // the header alone, the payload streamed
  h.conversation.send(frames[0]);
  ASSERT_TRUE(h.receiver.close_received());
  ASSERT_TRUE(h.conversation.taken_after_header().has_value());
  EXPECT_EQ(*h.conversation.taken_after_header(), (16U << 10) - 14);
  // Our close answer follows the bytes written, the rest of the claim never sent.
  EXPECT_EQ(h.written.size(), (16U << 10) + 6 + 2);
}

// --- judging ---

Case fc1000_case() {
  Case c;
  c.id = "1.1.1";
  c.ok = {{Expected::Kind::text, {'a'}, {}}};
  c.close.fc1000 = true;
  return c;
}

CaseResult clean_result() {
  CaseResult r;
  r.closed_by_me = true;
  r.was_clean = true;
  r.remote_close_code = 1000;
  return r;
}

TEST(Verdict, MatchingEventsAndACleanCloseAreOk) {
  const Case c = fc1000_case();
  CaseResult r = clean_result();
  judge(c, Observation{c.ok.events(), false, false, true, "the server"}, r);
  EXPECT_EQ(r.behavior, Behavior::ok);
  EXPECT_EQ(r.behavior_close, CloseBehavior::ok);
  EXPECT_FALSE(r.failed());
}

TEST(Verdict, ATruncatedRecordNeverMatches) {
  const Case c = fc1000_case();
  CaseResult r = clean_result();
  judge(c, Observation{c.ok.events(), true, false, true, "the server"}, r);
  EXPECT_EQ(r.behavior, Behavior::failed);
}

TEST(Verdict, AWrongCodeFailsTheCaseOnlyWhereTheCaseSaysSo) {
  Case c;
  c.close.codes = {1002};
  c.close.require_clean = false;
  CaseResult r = clean_result();
  judge(c, Observation{c.ok.events(), false, false, true, "the server"}, r);
  EXPECT_EQ(r.behavior_close, CloseBehavior::wrong_code);
  EXPECT_EQ(r.behavior, Behavior::ok);
  c.close.wrong_code_fails = true;
  CaseResult r2 = clean_result();
  judge(c, Observation{c.ok.events(), false, false, true, "the server"}, r2);
  EXPECT_EQ(r2.behavior, Behavior::failed);
}

TEST(Verdict, FailingByDroppingTcpWithoutACloseFrameIsNonStrict) {
  Case c;
  c.close.closed_by_me = false;
  c.close.codes = {1002};
  c.close.require_clean = false;
  CaseResult r;
  r.closed_by_me = false;
  judge(c, Observation{c.ok.events(), false, false, false, "the server"}, r);
  EXPECT_EQ(r.behavior, Behavior::non_strict);  // RFC 6455 7.1.7: it SHOULD send a close
  EXPECT_EQ(r.behavior_close, CloseBehavior::ok);
}

TEST(Verdict, TheWrongEndpointClosingIsFatalWhereTheCaseSaysSo) {
  Case c;
  c.close.closed_by_me = false;
  c.close.codes = {1007};
  c.close.require_clean = false;
  c.close.wrong_endpoint_fatal = true;
  CaseResult r;
  r.closed_by_me = true;  // the kill timer: the peer never detected the bad UTF-8
  judge(c, Observation{c.ok.events(), false, false, true, "the server"}, r);
  EXPECT_EQ(r.behavior, Behavior::failed);
  EXPECT_EQ(r.behavior_close, CloseBehavior::failed);
}

TEST(Verdict, InformationalCasesAreInformationalWhateverHappened) {
  Case c = fc1000_case();
  c.informational = true;
  CaseResult r;
  judge(c, Observation{{}, false, true, false, "the server"}, r);
  EXPECT_EQ(r.behavior, Behavior::informational);
  EXPECT_EQ(r.behavior_close, CloseBehavior::informational);
  EXPECT_FALSE(r.non_ok());
}

}  // namespace
}  // namespace wsprobe::harness
