#include "wsprobe/client_handshake.hpp"

#include <gtest/gtest.h>

#include <string>

#include "wsprobe/accept_key.hpp"

namespace wsprobe::codec {
namespace {

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string text(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

constexpr std::string_view kKey = "AAECAwQFBgcICQoLDA0ODw==";  // counting_random()'s key
constexpr std::string_view kFrame = "\x81\x05Hello";           // unmasked, from the server

ClientOptions options() {
  ClientOptions o;
  o.host = "127.0.0.1:9001";
  o.target = "/echo";
  o.subprotocols = {"chat"};
  return o;
}

std::string response(std::string_view key, std::string_view extra = "") {
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: " +
         compute_accept(key) + "\r\n" + std::string(extra) + "\r\n";
}

TEST(ClientHandshake, WritesTheStandardRequest) {
  const ClientHandshake h(options(), counting_random());
  EXPECT_EQ(h.key(), kKey);
  EXPECT_EQ(h.request_bytes(),
            "GET /echo HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\n"
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat\r\n\r\n");
  EXPECT_EQ(h.request_bytes(), build_request(options(), counting_random()).bytes);
}

TEST(ClientHandshake, AcceptsAValidResponseWhateverTheSplit) {
  const std::string input =
      response(kKey, "Sec-WebSocket-Protocol: chat\r\n") + std::string(kFrame);
  for (size_t a = 0; a <= input.size(); ++a) {
    for (size_t b = a; b <= input.size(); b += 5) {
      ClientHandshake h(options(), counting_random());
      h.feed(bytes(std::string_view(input).substr(0, a)));
      h.feed(bytes(std::string_view(input).substr(a, b - a)));
      h.feed(bytes(std::string_view(input).substr(b)));
      ASSERT_EQ(h.status(), HandshakeStatus::complete) << a << " " << b;
      const auto v = h.validate();
      ASSERT_TRUE(v) << v.error().reason;
      ASSERT_EQ(v->subprotocol, "chat");
      ASSERT_EQ(text(h.leftover()), kFrame) << a << " " << b;
      ASSERT_EQ(h.head_bytes(), std::string_view(input).substr(0, input.size() - kFrame.size()));
    }
  }
}

TEST(ClientHandshake, NamesTheRuleAResponseBreaks) {
  struct Row {
    std::string response;
    Rule rule;
  };
  const std::vector<Row> rows = {
      {"HTTP/1.1 200 OK\r\n\r\n", Rule::handshake_status_not_101},
      {response("AQIDBAUGBwgJCgsMDQ4PEA=="), Rule::handshake_wrong_accept},
      {response(kKey, "Sec-WebSocket-Protocol: superchat\r\n"),
       Rule::handshake_subprotocol_not_offered},
      {response(kKey, "Sec-WebSocket-Extensions: permessage-deflate\r\n"),
       Rule::handshake_extension_not_offered},
      {"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n",
       Rule::handshake_response_bad_upgrade},
  };
  for (const auto& row : rows) {
    ClientHandshake h(options(), counting_random());
    h.feed(bytes(row.response));
    const auto v = h.validate();
    ASSERT_FALSE(v) << row.response;
    EXPECT_EQ(v.error().rule, row.rule) << row.response;
    EXPECT_EQ(v.error().close_code, close_code::protocol_error);
  }
}

TEST(ClientHandshake, FailsAMalformedResponseHead) {
  ClientHandshake h(options(), counting_random());
  EXPECT_EQ(h.feed(bytes("HTTP/1.1 1x1 Nope\r\n\r\n")), HandshakeStatus::error);
  const auto v = h.validate();
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().close_code, close_code::protocol_error);
  EXPECT_EQ(v.error().rule, Rule::http_malformed_status_line);
}

TEST(ClientHandshake, SendsAPreparedRequestAsGivenAndChecksItsOwnKey) {
  PreparedRequest r;
  r.method = "POST";
  r.target = "/odd";
  r.version = "HTTP/1.0";
  r.headers = {{"Host", "a"},
               {"Host", "b"},
               {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
               {"Sec-WebSocket-Protocol", "x, y"}};
  ClientHandshake h(r);
  EXPECT_EQ(h.request_bytes(),
            "POST /odd HTTP/1.0\r\nHost: a\r\nHost: b\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: x, y\r\n\r\n");
  EXPECT_EQ(h.key(), "dGhlIHNhbXBsZSBub25jZQ==");
  h.feed(bytes(response("dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol: y\r\n")));
  const auto v = h.validate();
  ASSERT_TRUE(v) << v.error().reason;
  EXPECT_EQ(v->subprotocol, "y");
}

TEST(ClientHandshake, OffersPermessageDeflateAfterTheRawExtensions) {
  ClientOptions o = options();
  o.extensions = {"x-foo"};
  o.deflate = DeflateParameters{};
  o.deflate->client_max_window_bits = 0;
  const ClientHandshake h(o, counting_random());
  EXPECT_NE(h.request_bytes().find(
                "Sec-WebSocket-Extensions: x-foo, permessage-deflate; client_max_window_bits\r\n"),
            std::string::npos)
      << h.request_bytes();
}

TEST(ClientHandshake, ReportsTheAgreedDeflateParameters) {
  ClientOptions o = options();
  o.deflate = DeflateParameters{};
  o.deflate->client_max_window_bits = 0;
  ClientHandshake h(o, counting_random());
  h.feed(bytes(response(kKey,
                        "Sec-WebSocket-Extensions: permessage-deflate; "
                        "server_no_context_takeover; client_max_window_bits=10\r\n")));
  const auto v = h.validate();
  ASSERT_TRUE(v) << v.error().reason;
  ASSERT_TRUE(v->deflate);
  EXPECT_TRUE(v->deflate->server_no_context_takeover);
  EXPECT_EQ(v->deflate->client_max_window_bits, 10);
  EXPECT_EQ(v->deflate->server_max_window_bits, 15);
}

TEST(ClientHandshake, HasNoDeflateAgreementWhenTheServerDeclines) {
  ClientOptions o = options();
  o.deflate = DeflateParameters{};
  ClientHandshake h(o, counting_random());
  h.feed(bytes(response(kKey)));
  const auto v = h.validate();
  ASSERT_TRUE(v) << v.error().reason;
  EXPECT_FALSE(v->deflate);
}

TEST(ClientHandshake, FailsADeflateResponseParameterItDidNotOffer) {
  ClientOptions o = options();
  o.deflate = DeflateParameters{};  // no client_max_window_bits
  ClientHandshake h(o, counting_random());
  h.feed(bytes(response(
      kKey, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=9\r\n")));
  const auto v = h.validate();
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().rule, Rule::deflate_response_not_offered);
  EXPECT_EQ(v.error().close_code, close_code::protocol_error);
}

TEST(ClientHandshake, ChecksADeflateResponseAgainstARawOffer) {
  PreparedRequest r = prepare_request(options(), kKey);
  r.headers.push_back(
      {"Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits=10"});
  ClientHandshake h(r);
  h.feed(bytes(response(kKey,
                        "Sec-WebSocket-Extensions: permessage-deflate; "
                        "server_max_window_bits=12\r\n")));
  const auto v = h.validate();
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().rule, Rule::deflate_response_not_offered);
}

TEST(ClientHandshake, IsIncompleteUntilTheEmptyLine) {
  ClientHandshake h(options(), counting_random());
  EXPECT_EQ(h.feed(bytes("HTTP/1.1 101 Switching Protocols\r\n")), HandshakeStatus::incomplete);
  EXPECT_FALSE(h.validate());
}

}  // namespace
}  // namespace wsprobe::codec
