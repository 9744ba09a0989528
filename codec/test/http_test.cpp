#include "wsprobe/http.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "rfc6455_vectors.hpp"

namespace wsprobe::codec {
namespace detail {
extern bool head_scan_avx512;  // head_scan.cpp
}  // namespace detail
namespace {

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

HttpHeadParser parse(HttpKind kind, std::string_view text, HttpLimits limits = {}) {
  HttpHeadParser p(kind, limits);
  p.feed(bytes(text));
  return p;
}

TEST(HttpHeadParser, ParsesRfcSampleRequest) {
  const auto p = parse(HttpKind::request, vectors::rfc_request);
  ASSERT_EQ(p.status(), HttpHeadParser::Status::complete);
  const auto& r = p.request();
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/chat");
  EXPECT_EQ(r.version_minor, 1);
  EXPECT_EQ(r.headers.size(), 7u);
  EXPECT_EQ(r.headers.single("sec-websocket-key"), "dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_EQ(r.headers.single("ORIGIN"), "http://example.com");
}

TEST(HttpHeadParser, ParsesRfcSampleResponse) {
  const auto p = parse(HttpKind::response, vectors::rfc_response);
  ASSERT_EQ(p.status(), HttpHeadParser::Status::complete);
  EXPECT_EQ(p.response().status, 101);
  EXPECT_EQ(p.response().reason, "Switching Protocols");
  EXPECT_EQ(p.response().headers.single("Sec-WebSocket-Protocol"), "chat");
}

TEST(HttpHeadParser, GivesTheSameRequestWhateverTheSplit) {
  const std::string_view text = vectors::rfc_request;
  const auto whole = parse(HttpKind::request, text);
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    HttpHeadParser p(HttpKind::request);
    size_t used = p.feed(bytes(text.substr(0, cut)));
    used += p.feed(bytes(text.substr(cut)));
    ASSERT_EQ(p.status(), HttpHeadParser::Status::complete) << cut;
    ASSERT_EQ(used, text.size()) << cut;
    ASSERT_EQ(p.request().headers.size(), whole.request().headers.size());
  }
  HttpHeadParser p(HttpKind::request);
  for (char c : text)
    p.feed(bytes(std::string_view(&c, 1)));
  EXPECT_EQ(p.status(), HttpHeadParser::Status::complete);
}

TEST(HttpHeadParser, LeavesBytesAfterTheHeadToTheCaller) {
  std::string text(vectors::rfc_request);
  const size_t head = text.size();
  text += "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";  // a frame in the same segment
  HttpHeadParser p(HttpKind::request);
  EXPECT_EQ(p.feed(bytes(text)), head);
  EXPECT_EQ(p.status(), HttpHeadParser::Status::complete);
}

TEST(HttpHeadParser, RejectsHeadOverTheByteLimitWith431) {
  HttpLimits limits;
  limits.max_head_bytes = 100;
  std::string text = "GET / HTTP/1.1\r\nX-Long: " + std::string(200, 'a');
  HttpHeadParser p(HttpKind::request, limits);
  const size_t used = p.feed(bytes(text));
  EXPECT_EQ(p.status(), HttpHeadParser::Status::error);
  EXPECT_EQ(p.error().http_status, 431);
  EXPECT_EQ(p.error().rule, Rule::http_request_head_too_large);
  EXPECT_LE(used, 104u);  // never buffered beyond the limit
}

TEST(HttpHeadParser, RejectsMoreHeadersThanTheCountLimitWith431) {
  HttpLimits limits;
  limits.max_header_count = 3;
  const auto p =
      parse(HttpKind::request, "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", limits);
  EXPECT_EQ(p.status(), HttpHeadParser::Status::error);
  EXPECT_EQ(p.error().http_status, 431);
  EXPECT_EQ(p.error().rule, Rule::http_too_many_headers);
  EXPECT_EQ(
      parse(HttpKind::request, "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits).status(),
      HttpHeadParser::Status::complete);
}

TEST(HttpHeadParser, RejectsMalformedHeadsNamingTheRule) {
  const std::vector<std::pair<std::string_view, Rule>> rows = {
      {"GET /\r\n\r\n", Rule::http_malformed_request_line},            // no version
      {"GET / HTTP/2.0\r\n\r\n", Rule::http_malformed_request_line},   // not HTTP/1.x
      {"GET  / HTTP/1.1\r\n\r\n", Rule::http_malformed_request_line},  // empty target
      {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", Rule::http_malformed_header},
      {"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", Rule::http_malformed_header},
      {"GET / HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n", Rule::http_obsolete_line_folding},
      {"GET / HTTP/1.1\r\nA: x\x01y\r\n\r\n", Rule::http_control_character},
      {"GET / HTTP/1.1\nHost: x\n\n", Rule::http_bare_lf},
      {"GET / HTTP/1.1\r\nA: x\ry\r\n\r\n", Rule::http_bare_cr_or_lf},
      {std::string_view("GET / HTTP/1.1\r\nA: \0\r\n\r\n", 24), Rule::http_nul_in_head},
  };
  for (const auto& [bad, rule] : rows) {
    const auto p = parse(HttpKind::request, bad);
    EXPECT_EQ(p.status(), HttpHeadParser::Status::error) << bad;
    EXPECT_EQ(p.error().http_status, 400) << bad;
    EXPECT_EQ(p.error().rule, rule) << bad;
  }
}

TEST(HttpHeadParser, ConsumesTheSameBytesOnErrorWhateverTheSplit) {
  // Found by the handshake_request fuzzer: a bare-LF head consumed a split-dependent count.
  const std::string text = "GET / HTTP/1.1\r\nHost: x\r\nX-A: b\n\n\n\nGET / HTTP/1.1\r\n\r\n";
  const size_t whole = HttpHeadParser(HttpKind::request).feed(bytes(text));
  for (size_t cut = 1; cut < text.size(); ++cut) {
    HttpHeadParser p(HttpKind::request);
    size_t used = p.feed(bytes(std::string_view(text).substr(0, cut)));
    used += p.feed(bytes(std::string_view(text).substr(cut)));
    ASSERT_EQ(p.status(), HttpHeadParser::Status::error);
    ASSERT_EQ(used, whole) << cut;
  }
}

TEST(HttpHeadParser, ResponseErrorsCarryProtocolErrorNotStatus) {
  const auto p = parse(HttpKind::response, "HTTP/1.1 1x1 Nope\r\n\r\n");
  ASSERT_EQ(p.status(), HttpHeadParser::Status::error);
  EXPECT_EQ(p.error().close_code, 1002);
  EXPECT_EQ(p.error().http_status, 0);
  EXPECT_EQ(p.error().rule, Rule::http_malformed_status_line);
}

TEST(HttpHeadParser, WaitsForTheEmptyLine) {
  const auto p = parse(HttpKind::request, "GET / HTTP/1.1\r\nHost: x\r\n");
  EXPECT_EQ(p.status(), HttpHeadParser::Status::incomplete);
}

TEST(HttpResponseWriter, WritesTheStatusLineHeadersAndContentLength) {
  EXPECT_EQ(serialize_response({404}, {{"Connection", "close"}}, "gone\n"),
            "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 5\r\n\r\ngone\n");
  EXPECT_EQ(serialize_response({431}, {}),
            "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n\r\n");
}

TEST(HttpResponseWriter, Writes101WithoutContentLength) {
  // RFC 9110 8.6: a 1xx response has no content.
  EXPECT_EQ(serialize_response({101}, {{"Upgrade", "websocket"}}),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
}

TEST(HttpResponseWriter, HasAReasonPhraseForEveryStatusItWrites) {
  for (int status : {101, 200, 400, 404, 405, 426, 431}) {
    EXPECT_FALSE(reason_phrase(status).empty()) << status;
  }
}

TEST(HttpResponseWriter, OutputParsesBackToTheSameResponse) {
  const std::string text = serialize_response({426}, {{"Sec-WebSocket-Version", "13"}}, "x");
  const auto p = parse(HttpKind::response, text);
  ASSERT_EQ(p.status(), HttpHeadParser::Status::complete);
  EXPECT_EQ(p.response().status, 426);
  EXPECT_EQ(p.response().reason, "Upgrade Required");
  EXPECT_EQ(p.response().headers.single("Sec-WebSocket-Version"), "13");
}

TEST(HttpRequestWriter, WritesTheRequestAsGiven) {
  const HttpField hosts[] = {{"Host", "a"}, {"Host", "b"}};
  EXPECT_EQ(serialize_request("POST", "/x", "HTTP/1.0", hosts),
            "POST /x HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n");
}

TEST(HttpHeaders, FindsATokenAcrossRepeatedListFields) {
  const HttpHeaders h = {{"Connection", "keep-alive"}, {"connection", "x, UPGRADE"}};
  EXPECT_TRUE(contains_token(h, "Connection", "upgrade"));
  EXPECT_FALSE(contains_token(h, "Connection", "close"));
}

TEST(HttpHeaders, SplitsTokenListsAndDropsEmptyElements) {
  EXPECT_EQ(split_list(" keep-alive ,Upgrade,, "),
            (std::vector<std::string_view>{"keep-alive", "Upgrade"}));
  EXPECT_TRUE(split_list("").empty());
}

TEST(HttpHeaders, ComparesNamesWithoutCase) {
  const HttpHeaders h = {{"Connection", "a"}, {"connection", "b"}};
  EXPECT_EQ(h.count("CONNECTION"), 2u);
  EXPECT_FALSE(h.single("Connection"));
  EXPECT_EQ(h.all("connection").size(), 2u);
}

// What a parse gave, to compare two parses of one head.
std::string outcome(std::string_view text) {
  HttpHeadParser p(HttpKind::request);
  const size_t used = p.feed(bytes(text));
  std::string out = std::to_string(static_cast<int>(p.status())) + " " + std::to_string(used);
  if (p.status() == HttpHeadParser::Status::error) {
    return out + " rule " + std::to_string(static_cast<int>(p.error().rule));
  }
  const HttpRequest& r = p.request();
  out += " " + r.method + " " + r.target + " " + std::to_string(r.version_minor);
  for (const auto& [name, value] : r.headers.fields())
    out.append("|").append(name).append("=").append(value);
  return out;
}

TEST(HttpHeadParser, ParsesAlikeWithAndWithoutAvx512) {
  // The AVX-512 searches (bitmaps of 64-byte blocks) and the 16-byte ones must find the same
  // bytes: every byte that can end a line, a name or the head, at every position of heads that
  // span several blocks, mutated at random.
  const std::string base =
      "GET /chat?x=1 HTTP/1.1\r\nHost: server.example.com:8080\r\nUpgrade: websocket\r\n"
      "Connection: keep-alive, Upgrade\r\nX-Long-Header-Name-Over-Sixty-Four-Bytes-Of-Tchars-"
      "Only-To-Cross-A-Block: v\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\nUser-Agent: test  \t\r\n\r\n";
  const std::string_view odd = std::string_view("\r\n\0\x01\x7f \t:a\x80\"@(", 13);
  const bool saved = detail::head_scan_avx512;
  std::mt19937 rng(7);

  for (int round = 0; round < 4000; ++round) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e)
      text[rng() % text.size()] = odd[rng() % odd.size()];
    if (round % 5 == 0) text.resize(rng() % text.size());  // heads cut anywhere
    detail::head_scan_avx512 = false;
    const std::string portable = outcome(text);
    detail::head_scan_avx512 = saved;
    ASSERT_EQ(outcome(text), portable) << round;
  }
  detail::head_scan_avx512 = saved;
  EXPECT_EQ(outcome(base).substr(0, 2), "1 ");  // the unmutated head is complete
}

}  // namespace
}  // namespace wsprobe::codec
