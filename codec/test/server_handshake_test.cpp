#include "wsprobe/server_handshake.hpp"

#include <gtest/gtest.h>

#include <string>

#include "rfc6455_vectors.hpp"
#include "wsprobe/accept_key.hpp"

namespace wsprobe::codec {
namespace {

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string text(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// A frame in the same segment as the request: a masked "Hello" (RFC 6455 5.7).
constexpr std::string_view kFrame = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";

HttpResponse parse_response(const std::string& response) {
  HttpHeadParser p(HttpKind::response);
  EXPECT_EQ(p.feed(bytes(response)), response.find("\r\n\r\n") + 4);
  EXPECT_EQ(p.status(), HttpHeadParser::Status::complete) << response;
  return p.response();
}

TEST(ServerHandshake, AcceptsTheRfcRequestWithTheRfcResponse) {
  ServerHandshake h;
  EXPECT_EQ(h.feed(bytes(vectors::rfc_request)), HandshakeStatus::complete);
  EXPECT_EQ(h.kind(), RequestKind::websocket);
  ServerOptions options;
  options.subprotocols = {"chat"};
  const auto answer = h.accept(options);
  ASSERT_TRUE(answer.accepted()) << answer.result.error().reason;
  EXPECT_EQ(answer.bytes, vectors::rfc_response);
  EXPECT_EQ(answer.result->subprotocol, "chat");
}

TEST(ServerHandshake, GivesTheSameAnswerAndLeftoverWhateverTheSplit) {
  const std::string input = std::string(vectors::rfc_request) + std::string(kFrame);
  ServerHandshake whole;
  whole.feed(bytes(input));
  const std::string expected = whole.accept().bytes;
  for (size_t a = 0; a <= input.size(); ++a) {
    for (size_t b = a; b <= input.size(); b += 7) {
      ServerHandshake h;
      h.feed(bytes(std::string_view(input).substr(0, a)));
      h.feed(bytes(std::string_view(input).substr(a, b - a)));
      h.feed(bytes(std::string_view(input).substr(b)));
      ASSERT_EQ(h.status(), HandshakeStatus::complete) << a << " " << b;
      ASSERT_EQ(h.accept().bytes, expected) << a << " " << b;
      ASSERT_EQ(text(h.leftover()), kFrame) << a << " " << b;
    }
  }
}

TEST(ServerHandshake, WaitsForTheEndOfTheHead) {
  ServerHandshake h;
  EXPECT_EQ(h.feed(bytes("GET / HTTP/1.1\r\nHost: x\r\n")), HandshakeStatus::incomplete);
  EXPECT_TRUE(h.leftover().empty());
  EXPECT_FALSE(h.accept().accepted());
}

TEST(ServerHandshake, RejectsAnOversizedHeadWith431) {
  ServerHandshake h(HttpLimits{64, 16});
  EXPECT_EQ(h.feed(bytes("GET / HTTP/1.1\r\nX: " + std::string(100, 'a'))), HandshakeStatus::error);
  EXPECT_EQ(h.error().http_status, 431);
  EXPECT_EQ(h.error().rule, Rule::http_request_head_too_large);
  const auto answer = h.accept();
  EXPECT_FALSE(answer.accepted());
  EXPECT_EQ(parse_response(answer.bytes).status, 431);
}

TEST(ServerHandshake, RejectsARequestLineLongerThanTheHeadLimitWith414) {
  ServerHandshake h(HttpLimits{64, 16});
  EXPECT_EQ(h.feed(bytes("GET /?q=" + std::string(100, 'a'))), HandshakeStatus::error);
  EXPECT_EQ(h.error().http_status, 414);  // RFC 9112 3
  EXPECT_EQ(h.error().rule, Rule::http_request_target_too_long);
  const auto answer = h.accept();
  EXPECT_FALSE(answer.accepted());
  const auto response = parse_response(answer.bytes);
  EXPECT_EQ(response.status, 414);
  EXPECT_EQ(response.reason, "URI Too Long");
}

TEST(ServerHandshake, RejectsAMalformedHeadWith400) {
  ServerHandshake h;
  EXPECT_EQ(h.feed(bytes("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n")), HandshakeStatus::error);
  const auto answer = h.accept();
  EXPECT_EQ(answer.result.error().rule, Rule::http_malformed_header);
  EXPECT_EQ(parse_response(answer.bytes).status, 400);
}

TEST(ServerHandshake, RejectsAnUnsupportedVersionWith426NamingVersion13) {
  ServerHandshake h;
  h.feed(
      bytes("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"));
  const auto answer = h.accept();
  ASSERT_FALSE(answer.accepted());
  EXPECT_EQ(answer.result.error().rule, Rule::handshake_unsupported_version);
  const auto r = parse_response(answer.bytes);
  EXPECT_EQ(r.status, 426);
  EXPECT_EQ(r.reason, "Upgrade Required");
  EXPECT_EQ(r.headers.single("Sec-WebSocket-Version"), "13");
  EXPECT_EQ(r.headers.single("Upgrade"), "websocket");
  EXPECT_EQ(r.headers.single("Connection"), "close");
}

TEST(ServerHandshake, RejectsAPostWith400) {
  ServerHandshake h;
  h.feed(
      bytes("POST / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
  const auto answer = h.accept();
  EXPECT_EQ(answer.result.error().rule, Rule::handshake_method_not_get);
  EXPECT_EQ(parse_response(answer.bytes).status, 400);
}

TEST(ServerHandshake, RecognisesPlainHttpAndAnswersIt) {
  ServerHandshake h;
  h.feed(bytes("DELETE /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(h.kind(), RequestKind::plain_http);
  const std::string answer = h.reject(405, {{"Allow", "GET"}});
  EXPECT_EQ(answer,
            "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nConnection: close\r\n"
            "Content-Length: 0\r\n\r\n");
}

TEST(ServerHandshake, RejectWith426AddsTheProtocolAndVersion) {
  const auto r = parse_response(ServerHandshake().reject(426));
  EXPECT_EQ(r.headers.single("Upgrade"), "websocket");
  EXPECT_EQ(r.headers.single("Sec-WebSocket-Version"), "13");
}

TEST(ServerHandshake, RejectWithABodyDelimitsIt) {
  const std::string answer = ServerHandshake().reject(404, {}, "nothing here\n");
  const auto r = parse_response(answer);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers.single("Content-Length"), "13");
  EXPECT_EQ(r.headers.single("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_TRUE(answer.ends_with("\r\n\r\nnothing here\n"));
}

TEST(ServerHandshake, KeepsEverythingFedAfterTheHead) {
  ServerHandshake h;
  h.feed(bytes(std::string(vectors::rfc_request) + "ab"));
  h.feed(bytes("cd"));
  EXPECT_EQ(text(h.leftover()), "abcd");
}

TEST(ServerHandshake, KeepsTheRequestHeadAsReceived) {
  ServerHandshake h;
  h.feed(bytes(std::string(vectors::rfc_request) + "ab"));
  EXPECT_EQ(h.head_bytes(), vectors::rfc_request);
}

std::string with_extensions(std::string_view value) {
  std::string request(vectors::rfc_request);
  request.insert(request.size() - 2, "Sec-WebSocket-Extensions: " + std::string(value) + "\r\n");
  return request;
}

TEST(ServerHandshake, IgnoresADeflateOfferWhenDeflateIsNotConfigured) {
  ServerHandshake h;
  h.feed(bytes(with_extensions("permessage-deflate")));
  const auto answer = h.accept();
  ASSERT_TRUE(answer.accepted());
  EXPECT_FALSE(answer.result->deflate);
  EXPECT_EQ(answer.bytes.find("Sec-WebSocket-Extensions"), std::string::npos);
}

TEST(ServerHandshake, AcceptsTheFirstValidDeflateOfferAndAnswersIt) {
  ServerHandshake h;
  h.feed(
      bytes(with_extensions("permessage-deflate; server_max_window_bits=16, "
                            "permessage-deflate; server_no_context_takeover")));
  ServerOptions options;
  options.deflate = DeflateServerConfig{};
  const auto answer = h.accept(options);
  ASSERT_TRUE(answer.accepted());
  ASSERT_TRUE(answer.result->deflate);
  EXPECT_TRUE(answer.result->deflate->server_no_context_takeover);
  const HttpResponse r = parse_response(answer.bytes);
  EXPECT_EQ(r.headers.single("Sec-WebSocket-Extensions"),
            "permessage-deflate; server_no_context_takeover");
}

TEST(ServerHandshake, AnswersWithoutDeflateWhenNoOfferIsAcceptable) {
  ServerHandshake h;
  h.feed(bytes(with_extensions("permessage-deflate; foo")));
  ServerOptions options;
  options.deflate = DeflateServerConfig{};
  const auto answer = h.accept(options);
  ASSERT_TRUE(answer.accepted());  // RFC 7692 5.1: declining is not rejecting
  EXPECT_FALSE(answer.result->deflate);
  EXPECT_EQ(answer.bytes.find("Sec-WebSocket-Extensions"), std::string::npos);
}

}  // namespace
}  // namespace wsprobe::codec
