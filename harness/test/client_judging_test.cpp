// The judgements of client cases without a network: masking keys (RFC 6455 5.3, 10.3), the
// tester's changed handshake response (RFC 6455 4.2.2) and what a refusing client may do (4.1).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/catalogue.hpp"
#include "engine/handshake_response.hpp"
#include "engine/masking.hpp"
#include "wsprobe/handshake.hpp"
#include "wsprobe/random.hpp"

namespace wsprobe::harness {
namespace {

TEST(MaskingJudge, FindsNothingInRandomKeys) {
  MaskingJudge keys;
  auto random = codec::openssl_random();
  for (int i = 0; i < 100000; ++i) {
    codec::MaskKey k{};
    random(k);
    keys.add(k);
  }
  EXPECT_EQ(keys.finding(), "");
}

TEST(MaskingJudge, FindsAZeroKeyOnOneFrame) {
  MaskingJudge keys;
  keys.add(codec::MaskKey{0, 0, 0, 0});
  EXPECT_NE(keys.finding().find("00 00 00 00"), std::string::npos);
}

TEST(MaskingJudge, FindsOneKeyOnTwoFrames) {
  MaskingJudge keys;
  keys.add(0x12345678U);
  keys.add(0x12345678U);
  EXPECT_NE(keys.finding().find("reuse a key"), std::string::npos);
}

TEST(MaskingJudge, FindsKeysThatCountUp) {
  MaskingJudge keys;
  for (uint32_t k = 1000; k < 1010; ++k)
    keys.add(k);
  EXPECT_NE(keys.finding().find("constant step"), std::string::npos);
  EXPECT_EQ(keys.finding().find("reuse"), std::string::npos);
}

TEST(MaskingJudge, ToleratesTheRepeatsTheBirthdayBoundExpects) {
  // A million frames: about 116 repeated pairs expected among uniform keys; 3 repeats is normal.
  EXPECT_FALSE(surprising(3, 1e6 * (1e6 - 1) / 2 / 4294967296.0));
  EXPECT_TRUE(surprising(1, 1.0 / 4294967296.0));
  EXPECT_FALSE(surprising(0, 0));
}

codec::AcceptedRequest request_with_key() {
  codec::AcceptedRequest r;
  r.key = codec::WebSocketKey("dGhlIHNhbXBsZSBub25jZQ==");  // RFC 6455 1.3
  return r;
}

TEST(CaseResponse, KeepsTheCodecs101WhenUnchanged) {
  EXPECT_EQ(build_case_response({}, request_with_key()),
            codec::build_accept_response(request_with_key()));
}

TEST(CaseResponse, ExpandsTheAcceptTokenAndSpellsNamesAsGiven) {
  HandshakeResponseSpec spec;
  spec.set = {{"sec-websocket-accept", "{accept}"}};
  spec.add = {{"Sec-WebSocket-Accept", "x{accept}"}};
  const std::string head = build_case_response(spec, request_with_key());
  EXPECT_NE(head.find("\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
            std::string::npos);
  EXPECT_NE(head.find("\r\nSec-WebSocket-Accept: xs3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
            std::string::npos);
}

TEST(CaseResponse, ChangesTheStatusLineAndRemovesFields) {
  HandshakeResponseSpec spec;
  spec.status = 200;
  spec.version = "HTTP/1.0";
  spec.remove = {"upgrade"};
  const std::string head = build_case_response(spec, request_with_key());
  EXPECT_EQ(head.rfind("HTTP/1.0 200 OK\r\n", 0), 0U);
  EXPECT_EQ(head.find("Upgrade:"), std::string::npos);
}

TEST(ClientRefusal, ClosingTcpWithoutAFrameIsOk) {
  CaseResult r;
  judge_refusal_by_client({.tcp_closed = true, .peer = "the client"}, r);
  EXPECT_EQ(r.behavior, Behavior::ok);
}

TEST(ClientRefusal, AnEchoFails) {
  CaseResult r;
  judge_refusal_by_client({.frames = 2, .close_frame = true, .tcp_closed = true, .peer = "c"}, r);
  EXPECT_EQ(r.behavior, Behavior::failed);
}

TEST(ClientRefusal, ACloseFrameAloneIsNonStrict) {
  CaseResult r;
  judge_refusal_by_client({.frames = 1, .close_frame = true, .tcp_closed = true, .peer = "c"}, r);
  EXPECT_EQ(r.behavior, Behavior::non_strict);
}

TEST(ClientRefusal, ANewHttpRequestIsOk) {
  EXPECT_TRUE(starts_like_http_request("GET /x HTTP/1.1"));
  EXPECT_FALSE(starts_like_http_request("\x81\x85"));
  CaseResult r;
  judge_refusal_by_client({.violation = true, .http_request = true, .peer = "c"}, r);
  EXPECT_EQ(r.behavior, Behavior::ok);
}

std::optional<Catalogue> load_case(const nlohmann::json& c, std::string& error) {
  const nlohmann::json doc{{"area", "mine"}, {"cases", {c}}};
  return load_catalogue_texts({{"mine.json", doc.dump()}}, CatalogueOptions{}, error);
}

nlohmann::json client_case() {
  return {{"id", "1.1"},
          {"rfc", "4.1"},
          {"description", "d"},
          {"expectation", "e"},
          {"roles", {"client"}},
          {"handshake_response", {{"status", 302}, {"remove", {"Upgrade"}}, {"refuse", true}}},
          {"close", {{"by", "tester"}, {"after", "expected"}, {"linger", 0.5}}}};
}

TEST(ClientCaseFields, LoadTheHandshakeResponseAndTheLinger) {
  std::string error;
  const auto cat = load_case(client_case(), error);
  ASSERT_TRUE(cat) << error;
  const Case& c = cat->cases.front();
  ASSERT_TRUE(c.handshake_response);
  EXPECT_EQ(c.handshake_response->status, 302);
  EXPECT_TRUE(c.handshake_response->refuse);
  EXPECT_EQ(c.handshake_response->remove, std::vector<std::string>{"Upgrade"});
  EXPECT_DOUBLE_EQ(c.close.linger, 0.5);
}

TEST(ClientCaseFields, RejectAHandshakeResponseInAServerCase) {
  auto c = client_case();
  c["roles"] = {"server", "client"};
  std::string error;
  EXPECT_FALSE(load_case(c, error));
  EXPECT_NE(error.find("handshake_response case tests clients"), std::string::npos) << error;
}

TEST(ClientCaseFields, RejectAnUnknownHttpVersion) {
  auto c = client_case();
  c["handshake_response"]["version"] = "HTTP/2";
  std::string error;
  EXPECT_FALSE(load_case(c, error));
  EXPECT_NE(error.find("HTTP/1.1 or HTTP/1.0"), std::string::npos) << error;
}

}  // namespace
}  // namespace wsprobe::harness
