// Split invariance: the classic bug of naive parsers is to take one read for one frame, or drop
// the second frame of a read. Every vector here must give identical events whether it arrives
// whole, one byte at a time, cut in two at any offset, or in one buffer with the next vector.

#include <gtest/gtest.h>

#include "frame_log.hpp"
#include "rfc6455_vectors.hpp"
#include "wsprobe/connection.hpp"

namespace wsprobe::codec {
namespace {

using vectors::FrameLog;
using vectors::from_hex;

struct SplitVector {
  std::string name;
  Role receiver;
  std::vector<uint8_t> bytes;
};

std::vector<SplitVector> split_vectors() {
  std::vector<SplitVector> out;
  for (const auto& v : vectors::rfc_frame_vectors())
    out.push_back({v.name, v.receiver, v.bytes});
  const auto masked = [](uint8_t b0, std::vector<uint8_t> payload,
                         LengthForm form = LengthForm::minimal) {
    FrameHeader h;
    h.fin = (b0 & 0x80) != 0;
    h.rsv = (b0 >> 4) & 7;
    h.opcode = b0 & 0xF;
    h.masked = true;
    h.mask = {0x11, 0x22, 0x33, 0x44};
    return encode_frame(h, payload, form);
  };
  out.push_back({"masked 16-bit length binary", Role::server, masked(0x82, vectors::pattern(300))});
  out.push_back(
      {"masked 64-bit length binary", Role::server, masked(0x82, vectors::pattern(70000))});
  out.push_back({"masked empty close", Role::server, masked(0x88, {})});
  out.push_back(
      {"masked close 1000 with reason", Role::server, masked(0x88, from_hex("03e8 6279 65"))});
  out.push_back({"reserved opcode 3", Role::client, from_hex("83 00")});
  out.push_back({"reserved control opcode B", Role::client, from_hex("8b 01 00")});
  out.push_back({"RSV2 without extension", Role::client, from_hex("a1 01 41")});
  out.push_back({"unmasked frame to a server", Role::server, from_hex("81 02 4142")});
  out.push_back({"masked frame to a client", Role::client, masked(0x81, from_hex("4142"))});
  out.push_back(
      {"non-minimal 16-bit length", Role::server, masked(0x82, {1, 2}, LengthForm::extended16)});
  out.push_back(
      {"non-minimal 64-bit length", Role::server, masked(0x82, {1, 2}, LengthForm::extended64)});
  out.push_back({"64-bit length with top bit set", Role::client,
                 from_hex("82 7f 80 00 00 00 00 00 00 01 00")});
  out.push_back({"fragmented ping", Role::client, from_hex("09 01 41")});
  out.push_back({"ping of 126 bytes", Role::client,
                 vectors::concat(from_hex("89 7e 00 7e"), vectors::pattern(126))});
  return out;
}

FrameParserOptions as(Role role) {
  FrameParserOptions o;
  o.role = role;
  return o;
}

TEST(SplitInvariance, OneByteAtATimeGivesTheSameFrames) {
  for (const auto& v : split_vectors()) {
    const FrameLog whole = vectors::parse_whole(as(v.receiver), v.bytes);
    EXPECT_EQ(vectors::parse_chunked(as(v.receiver), v.bytes, 1), whole) << v.name;
  }
}

TEST(SplitInvariance, EveryTwoWaySplitGivesTheSameFrames) {
  for (const auto& v : split_vectors()) {
    const FrameLog whole = vectors::parse_whole(as(v.receiver), v.bytes);
    for (size_t cut = 1; cut < v.bytes.size(); ++cut) {
      ASSERT_EQ(vectors::parse_pieces(as(v.receiver), v.bytes, {cut}), whole)
          << v.name << " cut at " << cut;
    }
  }
}

// pieces_match (the fuzz targets' event-by-event comparison) says exactly what comparing two
// logs says: for every prefix of every small vector (so frames the input ends inside), cut after
// every byte, against its own log and against every vector's.
TEST(SplitInvariance, PiecesMatchAgreesWithComparingLogs) {
  const auto all = split_vectors();
  std::vector<FrameLog> logs;
  logs.reserve(all.size());
  for (const auto& w : all)
    logs.push_back(vectors::parse_whole(as(w.receiver), w.bytes));
  size_t mismatches = 0;
  for (const auto& v : all) {
    if (v.bytes.size() > 160) continue;  // every prefix, cut everywhere: quadratic
    const auto opts = as(v.receiver);
    for (size_t n = 0; n <= v.bytes.size(); ++n) {
      const std::span<const uint8_t> prefix(v.bytes.data(), n);
      std::vector<size_t> cuts;
      for (size_t at = 1; at < n; ++at)
        cuts.push_back(at);
      const FrameLog log = vectors::parse_pieces(opts, prefix, cuts);
      EXPECT_TRUE(vectors::pieces_match(opts, prefix, cuts, vectors::parse_whole(opts, prefix)))
          << v.name << " prefix " << n;
      for (size_t j = 0; j < all.size(); ++j) {
        ASSERT_EQ(vectors::pieces_match(opts, prefix, cuts, logs[j]), log == logs[j])
            << v.name << " prefix " << n << " against " << all[j].name;
        mismatches += log == logs[j] ? 0 : 1;
      }
    }
  }
  EXPECT_GT(mismatches, 100u);
}

TEST(SplitInvariance, TwoVectorsInOneBufferGiveBothInOrder) {
  const auto all = split_vectors();
  size_t pairs = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = 0; j < all.size(); ++j) {
      if (all[i].receiver != all[j].receiver) continue;
      const auto opts = as(all[i].receiver);
      const FrameLog first = vectors::parse_whole(opts, all[i].bytes);
      const FrameLog second = vectors::parse_whole(opts, all[j].bytes);
      FrameLog expect = first;
      if (!first.error) {
        expect.frames.insert(expect.frames.end(), second.frames.begin(), second.frames.end());
        expect.error = second.error;
        expect.mid_frame = second.mid_frame;
      }
      const auto both = vectors::concat(all[i].bytes, all[j].bytes);
      ASSERT_EQ(vectors::parse_whole(opts, both), expect) << all[i].name << " + " << all[j].name;
      ++pairs;
    }
  }
  EXPECT_GT(pairs, 100u);
}

// The same at the connection level: a whole conversation, fed in any split, yields the same
// events and the same replies.
struct Transcript {
  std::vector<std::string> events;
  std::vector<uint8_t> sent;
  bool operator==(const Transcript&) const = default;
};

std::string describe(const Event& e) {
  if (const auto* m = std::get_if<MessageEvent>(&e)) {
    return (m->opcode == Opcode::text ? "text:" : "binary:") + std::string(m->text());
  }
  if (const auto* p = std::get_if<PingEvent>(&e))
    return "ping:" + std::to_string(p->payload.size());
  if (const auto* p = std::get_if<PongEvent>(&e))
    return "pong:" + std::to_string(p->payload.size());
  if (const auto* c = std::get_if<CloseEvent>(&e))
    return "close:" + std::to_string(c->code) + c->reason;
  return "failure:" + std::to_string(std::get<FailureEvent>(e).error.close_code);
}

Transcript run(const std::vector<uint8_t>& bytes, const std::vector<size_t>& cuts) {
  ConnectionOptions o;
  o.role = Role::client;
  o.random = counting_random();
  Connection c(o);
  Transcript t;
  size_t from = 0;
  for (size_t k = 0; k <= cuts.size(); ++k) {
    const size_t to = k < cuts.size() ? cuts[k] : bytes.size();
    c.receive(std::span(bytes).subspan(from, to - from));
    from = to;
    for (const auto& e : c.events())
      t.events.push_back(describe(e));
    const auto out = c.bytes_to_send();
    t.sent.insert(t.sent.end(), out.begin(), out.end());
  }
  return t;
}

TEST(SplitInvariance, ConnectionConversationIsTheSameInEverySplit) {
  // Text in three fragments with a ping between, a binary message, an invalid-UTF-8 text that
  // must fail with 1007 at its first bad byte, then bytes that must be ignored.
  const auto conversation = from_hex(
      "01 03 cebae1  89 02 6869  00 02 bdb9  80 02 cf83"
      "82 03 010203"
      "81 06 41 ed a0 80 42 43"
      "81 01 41");
  const Transcript whole = run(conversation, {});
  ASSERT_EQ(whole.events, (std::vector<std::string>{"ping:2", "text:\xce\xba\xe1\xbd\xb9\xcf\x83",
                                                    "binary:\x01\x02\x03", "failure:1007"}));
  EXPECT_EQ(run(conversation,
                [&] {
                  std::vector<size_t> cuts;
                  for (size_t i = 1; i < conversation.size(); ++i)
                    cuts.push_back(i);
                  return cuts;
                }()),
            whole);
  for (size_t a = 1; a < conversation.size(); ++a) {
    for (size_t b = a + 1; b < conversation.size(); b += 3) {
      ASSERT_EQ(run(conversation, {a, b}), whole) << "cuts " << a << "," << b;
    }
  }
}

}  // namespace
}  // namespace wsprobe::codec
