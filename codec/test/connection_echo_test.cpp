// Connection's echo path (an echo server's fast path): receive_in_place(), echo() moving a
// received payload into the output, and take_output() handing the output out as buffers for a
// gathered write. Each must give the same bytes on the wire as the copying calls.
#include <gtest/gtest.h>

#include <numeric>

#include "frame_log.hpp"
#include "wsprobe/connection.hpp"
#include "wsprobe/deflate.hpp"

namespace wsprobe::codec {
namespace {

ConnectionOptions options(Role role) {
  ConnectionOptions o;
  o.role = role;
  o.random = counting_random(0x20);
  return o;
}

// A frame as a client sends it to a server (masked, RFC 6455 5.3).
std::vector<uint8_t> client_frame(Opcode opcode, const std::vector<uint8_t>& payload) {
  FrameHeader h;
  h.fin = true;
  h.opcode = static_cast<uint8_t>(opcode);
  h.masked = true;
  h.mask = {0x11, 0x22, 0x33, 0x44};
  return encode_frame(h, payload);
}

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), uint8_t{7});
  return v;
}

std::vector<uint8_t> joined(const std::vector<std::vector<uint8_t>>& buffers) {
  std::vector<uint8_t> all;
  for (const auto& b : buffers)
    all.insert(all.end(), b.begin(), b.end());
  return all;
}

std::vector<MessageEvent> messages(Connection& c) {
  std::vector<MessageEvent> out;
  for (auto& e : c.events())
    if (auto* m = std::get_if<MessageEvent>(&e)) out.push_back(std::move(*m));
  return out;
}

TEST(ConnectionEcho, ReceiveInPlaceGivesTheSameMessagesAsReceive) {
  const auto wire = client_frame(Opcode::binary, pattern(70000));
  Connection copying(options(Role::server));
  copying.receive(wire);
  Connection in_place(options(Role::server));
  auto scratch = wire;
  // Split inside the header and inside the payload: the mask's phase carries over.
  auto bytes = std::span<uint8_t>(scratch);
  in_place.receive_in_place(bytes.first(3));
  in_place.receive_in_place(bytes.subspan(3, 40000));
  in_place.receive_in_place(bytes.subspan(40003));
  const auto a = messages(copying);
  const auto b = messages(in_place);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].data, pattern(70000));
  EXPECT_EQ(a[0].data, b[0].data);
}

// Small and large payloads (below and above the size moved rather than copied), text and binary,
// with a pong in between: the bytes and their order are those of send_text/send_binary.
TEST(ConnectionEcho, EchoSendsWhatSendWouldInTheSameOrder) {
  Connection echoing(options(Role::server));
  Connection sending(options(Role::server));
  const std::string text(5000, 'x');
  echoing.receive(client_frame(Opcode::binary, pattern(100000)));
  echoing.receive(client_frame(Opcode::text, {text.begin(), text.end()}));
  echoing.receive(client_frame(Opcode::binary, pattern(10)));
  for (auto& m : messages(echoing)) {
    ASSERT_FALSE(echoing.echo(std::move(m)));
  }
  ASSERT_FALSE(echoing.send_pong({}));
  ASSERT_FALSE(sending.send_binary(pattern(100000)));
  ASSERT_FALSE(sending.send_text(text));
  ASSERT_FALSE(sending.send_binary(pattern(10)));
  ASSERT_FALSE(sending.send_pong({}));
  const auto expected = sending.bytes_to_send();
  EXPECT_EQ(echoing.pending_output(), expected.size());
  const auto buffers = echoing.take_output();
  EXPECT_GT(buffers.size(), 1u);  // the large payloads are buffers of their own
  EXPECT_EQ(joined(buffers), expected);
  EXPECT_EQ(echoing.pending_output(), 0u);
  EXPECT_TRUE(echoing.take_output().empty());
}

TEST(ConnectionEcho, BytesToSendJoinsMovedPayloads) {
  Connection c(options(Role::server));
  c.receive(client_frame(Opcode::binary, pattern(9000)));
  for (auto& m : messages(c))
    ASSERT_FALSE(c.echo(std::move(m)));
  ASSERT_FALSE(c.send_close(1000));
  const auto out = c.bytes_to_send();
  const auto log = vectors::parse_whole(FrameParserOptions{.role = Role::client}, out);
  ASSERT_FALSE(log.error);
  ASSERT_EQ(log.frames.size(), 2u);
  EXPECT_EQ(log.frames[0].payload, pattern(9000));
  EXPECT_EQ(log.frames[1].header.opcode, static_cast<uint8_t>(Opcode::close));
}

// A client masks what it echoes (RFC 6455 5.3), the moved payload included.
TEST(ConnectionEcho, ClientEchoIsMasked) {
  Connection c(options(Role::client));
  MessageEvent m{Opcode::binary, pattern(8192)};
  ASSERT_FALSE(c.echo(std::move(m)));
  const auto out = joined(c.take_output());
  const auto log = vectors::parse_whole(FrameParserOptions{.role = Role::server}, out);
  ASSERT_FALSE(log.error);
  ASSERT_EQ(log.frames.size(), 1u);
  EXPECT_TRUE(log.frames[0].header.masked);
  EXPECT_EQ(log.frames[0].payload, pattern(8192));
}

// RFC 6455 8.1: without the reader's validation, echo() checks the text itself.
TEST(ConnectionEcho, UnvalidatedTextIsCheckedBeforeItIsEchoed) {
  auto o = options(Role::server);
  o.validate_utf8 = false;
  Connection c(o);
  MessageEvent m{Opcode::text, std::vector<uint8_t>(5000, 0xff)};
  const auto err = c.echo(std::move(m));
  ASSERT_TRUE(err);
  EXPECT_EQ(err->rule, Rule::send_invalid_utf8_text);
  EXPECT_EQ(c.pending_output(), 0u);
}

TEST(ConnectionEcho, NothingIsEchoedAfterTheCloseFrame) {
  Connection c(options(Role::server));
  ASSERT_FALSE(c.send_close(1000));
  MessageEvent m{Opcode::binary, pattern(8192)};
  const auto err = c.echo(std::move(m));
  ASSERT_TRUE(err);
  EXPECT_EQ(err->rule, Rule::send_after_close);
}

// With deflate agreed the echo is compressed anew at the configured level (RFC 7692 6.1: RSV1),
// and inflates back to the message.
TEST(ConnectionEcho, DeflateEchoIsCompressedAtTheConfiguredLevel) {
  for (const int level : {0, 1, 3}) {
    auto o = options(Role::server);
    o.deflate = DeflateAgreement{};
    o.deflate_level = level;
    Connection c(o);
    const std::string text(20000, 'a');
    MessageEvent m{Opcode::text, {text.begin(), text.end()}};
    ASSERT_FALSE(c.echo(std::move(m)));
    const auto out = c.bytes_to_send();
    const auto log = vectors::parse_whole(
        FrameParserOptions{.role = Role::client, .allowed_rsv = rsv::rsv1}, out);
    ASSERT_FALSE(log.error);
    ASSERT_EQ(log.frames.size(), 1u);
    EXPECT_EQ(log.frames[0].header.rsv, rsv::rsv1);
    // Every level compresses a run of one letter (igzip's levels all look for matches).
    EXPECT_LT(log.frames[0].payload.size(), 400u) << "level " << level;
    Inflater inflater(receiving_direction(*o.deflate, Role::client));
    const auto inflated = inflate_message(inflater, log.frames[0].payload);
    ASSERT_TRUE(inflated);
    EXPECT_EQ(std::string(inflated->begin(), inflated->end()), text);
  }
}

}  // namespace
}  // namespace wsprobe::codec
