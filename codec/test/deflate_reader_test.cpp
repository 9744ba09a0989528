// permessage-deflate on the receive and send paths: Reader and Connection with deflate agreed.
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "rfc6455_vectors.hpp"
#include "wsprobe/connection.hpp"
#include "wsprobe/deflate.hpp"
#include "wsprobe/reader.hpp"

namespace wsprobe::codec {
namespace {

using vectors::from_hex;

// A client's reader with the default agreement (15 bits, context kept both ways).
ReaderOptions client_reader(uint64_t limit = uint64_t{16} << 20) {
  ReaderOptions o;
  o.role = Role::client;
  o.max_message_size = limit;
  o.deflate = DeflateAgreement{};
  return o;
}

// An unmasked frame from a server.
std::vector<uint8_t> frame(uint8_t b0, const std::vector<uint8_t>& payload) {
  FrameHeader h;
  h.fin = (b0 & 0x80) != 0;
  h.rsv = (b0 >> 4) & 7;
  h.opcode = b0 & 0xF;
  return encode_frame(h, payload);
}

std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::vector<uint8_t> compressed(const std::vector<uint8_t>& message) {
  Deflater d(DeflateDirection{});
  std::vector<uint8_t> out;
  d.compress(message, out);
  return out;
}

std::vector<uint8_t> bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

// Messages as "text:Hello (compressed)", a failure as its rule's name.
std::vector<std::string> describe(const std::vector<ReaderEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (const auto* m = std::get_if<MessageEvent>(&e)) {
      out.push_back(std::string(m->opcode == Opcode::text ? "text:" : "binary:") +
                    std::string(m->text()) + (m->compressed ? " (compressed)" : ""));
    } else if (const auto* f = std::get_if<FailureEvent>(&e)) {
      out.emplace_back(rule_name(f->error.rule));
    } else if (std::holds_alternative<PingEvent>(e)) {
      out.emplace_back("ping");
    }
  }
  return out;
}

std::vector<std::string> read(const ReaderOptions& o, const std::vector<uint8_t>& input) {
  Reader r(o);
  r.feed(input);
  return describe(r.take_events());
}

using Lines = std::vector<std::string>;

TEST(ReaderDeflate, InflatesTheRfcCompressedMessage) {
  // RFC 7692 7.2.3.1: a compressed "Hello" in one frame, RSV1 set.
  EXPECT_EQ(read(client_reader(), from_hex("c1 07 f2 48 cd c9 c9 07 00")),
            Lines{"text:Hello (compressed)"});
}

TEST(ReaderDeflate, InflatesACompressedMessageAcrossFragments) {
  // RFC 7692 7.2.3.1: the same data in two fragments; RSV1 on the first only.
  EXPECT_EQ(read(client_reader(), from_hex("41 03 f2 48 cd 80 04 c9 c9 07 00")),
            Lines{"text:Hello (compressed)"});
}

TEST(ReaderDeflate, InflatesAMessageWhoseFinalFragmentIsAnEmptyBlock) {
  // RFC 7692 7.2.3.6: the first fragment flushed whole, the last one holding only 00.
  const auto input =
      cat({frame(0x41, from_hex("f2 48 cd c9 c9 07 00 00 00 ff ff")), frame(0x80, from_hex("00"))});
  EXPECT_EQ(read(client_reader(), input), Lines{"text:Hello (compressed)"});
}

TEST(ReaderDeflate, InflatesAnEmptyCompressedMessage) {
  EXPECT_EQ(read(client_reader(), cat({frame(0xc1, from_hex("00")), frame(0xc2, {})})),
            (Lines{"text: (compressed)", "binary: (compressed)"}));
}

TEST(ReaderDeflate, KeepsOnlyMaxKeptInflatedBytesAndCountsTheRest) {
  const auto input = frame(0xc2, compressed(std::vector<uint8_t>(1000, 'x')));  // a few bytes
  ReaderOptions o = client_reader(1000);
  o.max_kept_message = 10;
  Reader r(o);
  r.feed(input);
  const auto events = r.take_events();
  const MessageEvent* m = nullptr;
  for (const auto& e : events) {
    if (const auto* message = std::get_if<MessageEvent>(&e)) m = message;
  }
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->data, std::vector<uint8_t>(10, 'x'));
  EXPECT_EQ(m->cut, 990U);
  // RFC 6455 10.4: the limit counts the inflated bytes not kept too.
  ReaderOptions small = client_reader(999);
  small.max_kept_message = 10;
  EXPECT_EQ(read(small, input), Lines{"inflated_message_too_big"});
}

TEST(ReaderDeflate, TakesUncompressedMessagesBetweenCompressedOnes) {
  // RFC 7692 6: a message without RSV1 is not compressed, even with deflate agreed.
  const auto input = cat({from_hex("c1 07 f2 48 cd c9 c9 07 00"), frame(0x81, bytes("Hi")),
                          from_hex("c1 05 f2 00 11 00 00")});
  EXPECT_EQ(read(client_reader(), input),
            (Lines{"text:Hello (compressed)", "text:Hi", "text:Hello (compressed)"}));
}

TEST(ReaderDeflate, FailsRsv1OnAContinuationFrameWith1002) {
  const auto input = from_hex("41 03 f2 48 cd c0 04 c9 c9 07 00");
  EXPECT_EQ(read(client_reader(), input), Lines{"rsv1_on_control_or_continuation"});
  EXPECT_EQ(error_of(Rule::rsv1_on_control_or_continuation).close_code, close_code::protocol_error);
}

TEST(ReaderDeflate, FailsRsv1OnEachControlFrameWith1002) {
  for (const char* control : {"c9 00", "ca 00", "c8 02 03 e8"}) {
    EXPECT_EQ(read(client_reader(), from_hex(control)), Lines{"rsv1_on_control_or_continuation"})
        << control;
  }
}

TEST(ReaderDeflate, FailsRsv1WithoutDeflateAgreedAsBefore) {
  ReaderOptions o = client_reader();
  o.deflate.reset();
  EXPECT_EQ(read(o, from_hex("c1 07 f2 48 cd c9 c9 07 00")), Lines{"rsv_without_extension"});
}

TEST(ReaderDeflate, FailsDataThatDoesNotInflateWith1007) {
  EXPECT_EQ(read(client_reader(), frame(0xc2, from_hex("ff ff ff ff"))),
            Lines{"deflate_invalid_data"});
  // Cut inside a block: the message's data is incomplete.
  const auto whole = compressed(std::vector<uint8_t>(5000, 'x'));
  EXPECT_EQ(read(client_reader(), frame(0xc2, {whole.begin(), whole.begin() + 3})),
            Lines{"deflate_invalid_data"});
}

TEST(ReaderDeflate, CountsTheLimitOnInflatedBytes) {
  const std::vector<uint8_t> message(100000, 'a');
  const auto input = frame(0xc2, compressed(message));
  ASSERT_LT(input.size(), 1000u);
  EXPECT_EQ(read(client_reader(message.size()), input),
            Lines{"binary:" + std::string(message.size(), 'a') + " (compressed)"});
  EXPECT_EQ(read(client_reader(message.size() - 1), input), Lines{"inflated_message_too_big"});
  EXPECT_EQ(error_of(Rule::inflated_message_too_big).close_code, close_code::message_too_big);
}

TEST(ReaderDeflate, FailsABombWith1009BeforeItsFrameHasArrived) {
  // 64 MiB of zeros compress to some 64 KiB; the limit is 1 MiB. The failure comes while the
  // frame is still arriving: the inflated message is never held.
  const auto bomb = frame(0xc2, compressed(std::vector<uint8_t>(size_t{64} << 20, 0)));
  Reader r(client_reader(uint64_t{1} << 20));
  r.feed(std::span(bomb).first(bomb.size() / 4));
  EXPECT_EQ(describe(r.take_events()), Lines{"inflated_message_too_big"});
  EXPECT_TRUE(r.failed());
}

TEST(ReaderDeflate, FailsInvalidUtf8AsTheTextInflates) {
  // The invalid byte comes first; the failure comes before the frame is complete, once the
  // inflater has a batch of it (4 KiB of deflate data: letters that hardly compress).
  std::vector<uint8_t> text = bytes("\xff");
  uint32_t x = 5;
  for (int i = 0; i < 40000; ++i) {
    x = x * 1103515245 + 12345;
    text.push_back(static_cast<uint8_t>('a' + (x >> 16) % 26));
  }
  const auto input = frame(0xc1, compressed(text));
  Reader r(client_reader());
  r.feed(std::span(input).first(input.size() / 2));
  EXPECT_EQ(describe(r.take_events()), Lines{"invalid_utf8"});
  // Binary is not text: the same bytes are a message.
  EXPECT_EQ(read(client_reader(), frame(0xc2, compressed(text))).size(), 1u);
}

TEST(ReaderDeflate, FailsTextThatInflatesToATruncatedSequence) {
  EXPECT_EQ(read(client_reader(), frame(0xc1, compressed(bytes("\xe2\x82")))),
            Lines{"truncated_utf8"});
}

TEST(ReaderDeflate, GivesTheSameEventsWhateverTheSplit) {
  Deflater d(DeflateDirection{});
  std::vector<uint8_t> input;
  for (int i = 0; i < 4; ++i) {
    std::vector<uint8_t> message(3000 + i * 500, static_cast<uint8_t>('a' + i));
    std::vector<uint8_t> data;
    d.compress(message, data);
    const auto half = static_cast<std::ptrdiff_t>(data.size() / 2);
    input = cat({input, frame(0x41, {data.begin(), data.begin() + half}), from_hex("89 00"),
                 frame(0x80, {data.begin() + half, data.end()})});
  }
  const Lines whole = read(client_reader(), input);
  ASSERT_EQ(whole.size(), 8u);
  Reader r(client_reader());
  for (const uint8_t b : input)
    r.feed(std::span(&b, 1));
  EXPECT_EQ(describe(r.take_events()), whole);
}

// Letters that repeat nowhere within `n` bytes: a copy of them compresses only as a match that
// reaches back to them.
std::vector<uint8_t> letters(size_t n) {
  std::vector<uint8_t> out(n);
  uint32_t x = 12345;
  for (auto& b : out) {
    x = x * 1103515245 + 12345;
    b = static_cast<uint8_t>('a' + (x >> 16) % 26);
  }
  return out;
}

// The events of `input` read whole and one byte at a time.
std::pair<Lines, Lines> whole_and_byte_by_byte(const ReaderOptions& o,
                                               const std::vector<uint8_t>& input) {
  Reader r(o);
  for (const uint8_t b : input)
    r.feed(std::span(&b, 1));
  return {read(o, input), describe(r.take_events())};
}

// A client's reader that agreed to a 512-byte server window (RFC 7692 7.1.2.1).
ReaderOptions window_9_reader() {
  ReaderOptions o = client_reader();
  o.deflate->server_max_window_bits = 9;
  return o;
}

TEST(ReaderDeflate, GivesTheSameErrorForCompressedTextWhateverTheReadBoundaries) {
  // The text copies 700 bytes from 700 bytes back, past the agreed 512, inside the message, then
  // has an invalid byte; then, once its flush's empty stored block is complete (RFC 7692 7.2.1),
  // a block header of the reserved type (RFC 1951 3.2.3: invalid data, 1007).
  // zlib took the distance when one call had inflated what it reaches back to (a large read)
  // and refused it otherwise (small reads): invalid_utf8 whole, deflate_invalid_data byte by byte.
  const auto block = letters(700);
  const auto invalid = from_hex("00 00 ff ff ff");
  const auto data = cat({compressed(cat({block, block, bytes("\xff")})), invalid});
  const auto [whole, bytewise] = whole_and_byte_by_byte(window_9_reader(), frame(0xc1, data));
  EXPECT_EQ(whole, Lines{"invalid_utf8"});
  EXPECT_EQ(bytewise, whole);
  // Errors in stream order: a sequence the data stops inside when it turns invalid is not an
  // error of its own (RFC 6455 8.1 judges the whole message's text); the data's is.
  const auto cut = cat({compressed(cat({block, block, bytes("\xe2\x82")})), invalid});
  const auto [cut_whole, cut_bytewise] =
      whole_and_byte_by_byte(window_9_reader(), frame(0xc1, cut));
  EXPECT_EQ(cut_whole, Lines{"deflate_invalid_data"});
  EXPECT_EQ(cut_bytewise, cut_whole);
}

// `block` compressed twice in one context (the default 32 KiB window): the second message is a
// match 700 bytes back into the first.
std::pair<std::vector<uint8_t>, std::vector<uint8_t>> same_block_twice(
    const std::vector<uint8_t>& block) {
  Deflater d(DeflateDirection{});
  std::vector<uint8_t> first;
  std::vector<uint8_t> second;
  d.compress(block, first);
  d.compress(block, second);
  return {std::move(first), std::move(second)};
}

TEST(ReaderDeflate, FailsAReferencePastTheAgreedWindowIntoAnEarlierMessageWhateverTheReads) {
  // RFC 7692 7.1.2.1: the second message refers to the first 700 bytes back, past the 512 the
  // server may use; with the default 32 KiB window it is fine.
  const auto block = letters(700);
  const auto [first, second] = same_block_twice(block);
  ASSERT_LT(second.size(), 100u);  // a match, not the letters again
  const auto input = cat({frame(0xc1, first), frame(0xc1, second)});
  const std::string text(block.begin(), block.end());
  EXPECT_EQ(read(client_reader(), input),
            (Lines{"text:" + text + " (compressed)", "text:" + text + " (compressed)"}));
  const auto [whole, bytewise] = whole_and_byte_by_byte(window_9_reader(), input);
  EXPECT_EQ(whole, (Lines{"text:" + text + " (compressed)", "deflate_invalid_data"}));
  EXPECT_EQ(bytewise, whole);
}

TEST(ReaderDeflate, ReadsAfterAResetAsANewReaderDoes) {
  // reset() takes the new options (the window, whether deflate is agreed at all) and forgets the
  // earlier stream: its context, its failure.
  const auto block = letters(700);
  const auto [first, second] = same_block_twice(block);
  const auto input = cat({frame(0xc1, first), frame(0xc1, second)});
  const std::string text(block.begin(), block.end());
  Reader r(client_reader());
  r.feed(frame(0xc2, from_hex("ff ff ff ff")));
  EXPECT_EQ(describe(r.take_events()), Lines{"deflate_invalid_data"});
  r.reset(window_9_reader());
  r.feed(input);
  EXPECT_EQ(describe(r.take_events()),
            (Lines{"text:" + text + " (compressed)", "deflate_invalid_data"}));
  r.reset(client_reader());
  r.feed(frame(0xc1, first));
  r.reset(client_reader());
  r.feed(input);
  EXPECT_EQ(describe(r.take_events()),
            (Lines{"text:" + text + " (compressed)", "text:" + text + " (compressed)"}));
  ReaderOptions plain = client_reader();
  plain.deflate.reset();
  r.reset(plain);
  r.feed(frame(0xc1, first));
  EXPECT_EQ(describe(r.take_events()), Lines{"rsv_without_extension"});
  r.reset(client_reader());
  r.feed(frame(0xc1, first));
  EXPECT_EQ(describe(r.take_events()), Lines{"text:" + text + " (compressed)"});
}

// Two connections wired back to back, deflate agreed with `agreement`.
struct Pair {
  explicit Pair(const DeflateAgreement& agreement)
      : client(options(Role::client, agreement)), server(options(Role::server, agreement)) {}
  static ConnectionOptions options(Role role, const DeflateAgreement& agreement) {
    ConnectionOptions o;
    o.role = role;
    o.deflate = agreement;
    o.random = counting_random();
    return o;
  }
  Connection client;
  Connection server;
};

std::vector<std::string> messages(Connection& c) {
  std::vector<std::string> out;
  for (auto& e : c.events()) {
    if (auto* m = std::get_if<MessageEvent>(&e)) {
      out.push_back(std::string(m->text()) + (m->compressed ? " (compressed)" : ""));
    } else if (auto* f = std::get_if<FailureEvent>(&e)) {
      out.emplace_back(rule_name(f->error.rule));
    }
  }
  return out;
}

TEST(ConnectionDeflate, CompressesWhatItSendsWithRsv1) {
  ConnectionOptions o;
  o.deflate = DeflateAgreement{};
  Connection server(o);
  ASSERT_FALSE(server.send_text("Hello"));
  EXPECT_EQ(server.bytes_to_send(), from_hex("c1 07 f2 48 cd c9 c9 07 00"));
  ASSERT_FALSE(server.send_ping());
  EXPECT_EQ(server.bytes_to_send(), from_hex("89 00"));  // RFC 7692 6.1: control frames plain
}

TEST(ConnectionDeflate, SendsUncompressedWithoutDeflateAgreed) {
  Connection server(ConnectionOptions{});
  ASSERT_FALSE(server.send_text("Hello"));
  EXPECT_EQ(server.bytes_to_send(), from_hex("81 05 48 65 6c 6c 6f"));
}

TEST(ConnectionDeflate, RoundTripsEveryAgreementBothWays) {
  for (const bool no_takeover : {false, true}) {
    for (const uint8_t bits : {uint8_t{8}, uint8_t{9}, uint8_t{12}, uint8_t{15}}) {
      const DeflateAgreement a{no_takeover, !no_takeover, bits, static_cast<uint8_t>(23 - bits)};
      Pair p(a);
      std::vector<std::string> sent;
      for (int i = 0; i < 5; ++i) {
        std::string text(2000 + i * 300, 'a');
        for (size_t j = 0; j < text.size(); j += 7)
          text[j] = static_cast<char>('a' + (i + j) % 26);
        sent.push_back(text + " (compressed)");
        ASSERT_FALSE(p.client.send_text(text));
        ASSERT_FALSE(p.server.send_text(text));
      }
      p.server.receive(p.client.bytes_to_send());
      p.client.receive(p.server.bytes_to_send());
      EXPECT_EQ(messages(p.server), sent) << int(bits) << no_takeover;
      EXPECT_EQ(messages(p.client), sent) << int(bits) << no_takeover;
    }
  }
}

TEST(ConnectionDeflate, FailsInvalidDataWithClose1007) {
  ConnectionOptions o;
  o.role = Role::client;
  o.deflate = DeflateAgreement{};
  o.random = counting_random();
  Connection client(o);
  client.receive(frame(0xc2, from_hex("ff ff ff ff")));
  EXPECT_EQ(messages(client), Lines{"deflate_invalid_data"});
  (void)client.bytes_to_send();
  EXPECT_EQ(client.sent_close_code(), close_code::invalid_payload);
}

}  // namespace
}  // namespace wsprobe::codec
