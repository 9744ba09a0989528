#include "wsprobe/handshake.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>

#include "rfc6455_vectors.hpp"

namespace wsprobe::codec {
namespace {

constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";

// A valid request with the named header replaced (value given) or removed (value empty).
// A valid request with the named header replaced (value given) or removed (value empty).
HttpRequest request_with(const std::vector<HttpField>& changes = {}) {
  HttpRequest r;
  r.method = "GET";
  r.target = "/chat";
  std::vector<HttpField> fields = {{"Host", "server.example.com"},
                                   {"Upgrade", "websocket"},
                                   {"Connection", "Upgrade"},
                                   {"Sec-WebSocket-Key", kKey},
                                   {"Sec-WebSocket-Version", "13"}};
  for (const auto& change : changes) {
    std::erase_if(fields, [&](const HttpField& h) { return iequals(h.name, change.name); });
    if (!change.value.empty()) fields.push_back(change);
  }
  r.headers = HttpHeaders(fields);
  return r;
}

HttpRequest with_extra(HttpField extra) {
  auto r = request_with();
  r.headers.add(extra.name, extra.value);
  return r;
}

uint16_t status_of(const HttpRequest& r) {
  const auto v = validate_request(r);
  return v ? 101 : v.error().http_status;
}

// The rule a rejected request broke; its status must be the rule's own.
std::optional<Rule> rule_of(const HttpRequest& r) {
  const auto v = validate_request(r);
  if (v) return std::nullopt;
  EXPECT_EQ(v.error().http_status, rule_info(v.error().rule).http_status);
  return v.error().rule;
}

TEST(Handshake, ComputesRfcAcceptValue) {
  EXPECT_EQ(compute_accept(vectors::rfc_key), vectors::rfc_accept);
}

TEST(Handshake, AcceptsRfcSampleRequestWithTheRfcResponse) {
  HttpHeadParser p(HttpKind::request);
  p.feed(
      {reinterpret_cast<const uint8_t*>(vectors::rfc_request.data()), vectors::rfc_request.size()});
  ServerOptions server;
  server.subprotocols = {"superchat", "chat"};
  auto accepted = validate_request(p.request(), server);
  ASSERT_TRUE(accepted) << accepted.error().reason;
  EXPECT_EQ(accepted->offered_subprotocols, (std::vector<std::string>{"chat", "superchat"}));
  EXPECT_EQ(accepted->subprotocol, "superchat");  // the server's preference wins
  server.subprotocols = {"chat"};
  EXPECT_EQ(build_accept_response(validate_request(p.request(), server).value()),
            vectors::rfc_response);
}

TEST(Handshake, AcceptsMinimalRequest) {
  EXPECT_EQ(status_of(request_with()), 101);
}

TEST(Handshake, RejectsMissingHost) {
  EXPECT_EQ(status_of(request_with({{"Host", ""}})), 400);
  EXPECT_EQ(rule_of(request_with({{"Host", ""}})), Rule::handshake_missing_host);
}
TEST(Handshake, RejectsDuplicatedHost) {
  EXPECT_EQ(status_of(with_extra({"Host", "other.example"})), 400);
  EXPECT_EQ(rule_of(with_extra({"Host", "other.example"})), Rule::handshake_repeated_host);
}
TEST(Handshake, RejectsMalformedHost) {
  for (const char* host : {"exa mple.com", "host:", "host:80x", "[::1", "[zz]:80", "h/o"}) {
    EXPECT_EQ(rule_of(request_with({{"Host", host}})), Rule::handshake_bad_host) << host;
  }
  for (const char* host : {"127.0.0.1:9001", "[::1]:80", "[::1]", "example.com"}) {
    EXPECT_EQ(status_of(request_with({{"Host", host}})), 101) << host;
  }
}

TEST(Handshake, RejectsMissingUpgrade) {
  EXPECT_EQ(status_of(request_with({{"Upgrade", ""}})), 400);
  EXPECT_EQ(rule_of(request_with({{"Upgrade", ""}})), Rule::handshake_bad_upgrade);
}
TEST(Handshake, RejectsUpgradeToAnotherProtocol) {
  EXPECT_EQ(rule_of(request_with({{"Upgrade", "h2c"}})), Rule::handshake_bad_upgrade);
}
TEST(Handshake, AcceptsUpgradeInAnyCase) {
  EXPECT_EQ(status_of(request_with({{"Upgrade", "WebSocket"}})), 101);
}

TEST(Handshake, RejectsMissingConnection) {
  EXPECT_EQ(status_of(request_with({{"Connection", ""}})), 400);
  EXPECT_EQ(rule_of(request_with({{"Connection", ""}})), Rule::handshake_bad_connection);
}
TEST(Handshake, RejectsConnectionWithoutUpgradeToken) {
  EXPECT_EQ(rule_of(request_with({{"Connection", "keep-alive"}})), Rule::handshake_bad_connection);
}
TEST(Handshake, AcceptsConnectionTokenLists) {
  EXPECT_EQ(status_of(request_with({{"Connection", "keep-alive, Upgrade"}})), 101);
  EXPECT_EQ(status_of(request_with({{"Connection", "upgrade,keep-alive"}})), 101);
  auto split = request_with({{"Connection", "keep-alive"}});
  split.headers.add("Connection", "Upgrade");  // repeated field, RFC 9110 5.3
  EXPECT_EQ(status_of(split), 101);
}

TEST(Handshake, RejectsMissingKey) {
  EXPECT_EQ(status_of(request_with({{"Sec-WebSocket-Key", ""}})), 400);
  EXPECT_EQ(rule_of(request_with({{"Sec-WebSocket-Key", ""}})), Rule::handshake_missing_key);
}
TEST(Handshake, RejectsDuplicatedKey) {
  EXPECT_EQ(status_of(with_extra({"Sec-WebSocket-Key", "AQIDBAUGBwgJCgsMDQ4PEA=="})), 400);
  EXPECT_EQ(rule_of(with_extra({"Sec-WebSocket-Key", "AQIDBAUGBwgJCgsMDQ4PEA=="})),
            Rule::handshake_repeated_key);
}
TEST(Handshake, RejectsMalformedKey) {
  for (const char* key :
       {"dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ===", "dGhlIHNhbXBsZSBub25j",
        "dGhlIHNhbXBsZSBub25jZ*==", "AQIDBAUGBwgJCgsMDQ4PEBE="}) {
    EXPECT_EQ(rule_of(request_with({{"Sec-WebSocket-Key", key}})), Rule::handshake_bad_key) << key;
  }
}

TEST(Handshake, RejectsMissingVersionWith400) {
  EXPECT_EQ(status_of(request_with({{"Sec-WebSocket-Version", ""}})), 400);
  EXPECT_EQ(rule_of(request_with({{"Sec-WebSocket-Version", ""}})),
            Rule::handshake_missing_version);
}
TEST(Handshake, RejectsVersions12And14With426) {
  EXPECT_EQ(status_of(request_with({{"Sec-WebSocket-Version", "12"}})), 426);
  EXPECT_EQ(status_of(request_with({{"Sec-WebSocket-Version", "14"}})), 426);
  EXPECT_EQ(status_of(request_with({{"Sec-WebSocket-Version", "8"}})), 426);
  EXPECT_EQ(rule_of(request_with({{"Sec-WebSocket-Version", "8"}})),
            Rule::handshake_unsupported_version);
}
TEST(Handshake, RejectsDuplicatedVersionWith400) {
  EXPECT_EQ(status_of(with_extra({"Sec-WebSocket-Version", "13"})), 400);
  EXPECT_EQ(rule_of(with_extra({"Sec-WebSocket-Version", "13"})), Rule::handshake_repeated_version);
}
TEST(Handshake, RejectsNonCanonicalKey) {
  // "dGhlIHNhbXBsZSBub25jZR==" decodes to the same 16 bytes with non-zero padding bits.
  EXPECT_EQ(rule_of(request_with({{"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZR=="}})),
            Rule::handshake_bad_key);
}

TEST(Handshake, RejectsPostAndHttp10) {
  auto post = request_with();
  post.method = "POST";
  EXPECT_EQ(status_of(post), 400);
  EXPECT_EQ(rule_of(post), Rule::handshake_method_not_get);
  auto old = request_with();
  old.version_minor = 0;
  EXPECT_EQ(status_of(old), 400);
  EXPECT_EQ(rule_of(old), Rule::handshake_http_version);
}

TEST(Handshake, RejectionResponseNamesVersion13) {
  const auto v = validate_request(request_with({{"Sec-WebSocket-Version", "14"}}));
  ASSERT_FALSE(v);
  const std::string response = build_reject_response(v.error());
  EXPECT_EQ(response.rfind("HTTP/1.1 426 Upgrade Required\r\n", 0), 0u);
  EXPECT_NE(response.find("\r\nSec-WebSocket-Version: 13\r\n"), std::string::npos);
  EXPECT_NE(response.find("RFC 6455 4.4"), std::string::npos);
}

TEST(Handshake, ClassifiesPlainHttpRequests) {
  HttpRequest plain;
  plain.method = "GET";
  plain.target = "/";
  plain.headers = {{"Host", "x"}};
  EXPECT_EQ(classify_request(plain), RequestKind::plain_http);
  plain.headers.add("Upgrade", "h2c");
  EXPECT_EQ(classify_request(plain), RequestKind::plain_http);
  EXPECT_EQ(classify_request(request_with()), RequestKind::websocket);
  EXPECT_EQ(classify_request(request_with({{"Upgrade", ""}})), RequestKind::websocket);
}

TEST(Handshake, ParsesExtensionOffers) {
  const HttpHeaders h = {{"Sec-WebSocket-Extensions",
                          "permessage-deflate; client_max_window_bits, permessage-deflate; "
                          "server_max_window_bits=\"10\""},
                         {"Sec-WebSocket-Extensions", "x-foo"}};
  const auto offers = parse_extensions(h);
  ASSERT_TRUE(offers);
  ASSERT_EQ(offers->size(), 3u);
  EXPECT_EQ((*offers)[0].params.at(0),
            (std::pair<std::string, std::string>{"client_max_window_bits", ""}));
  EXPECT_EQ((*offers)[1].params.at(0).second, "10");
  EXPECT_EQ((*offers)[2].name, "x-foo");
  for (const char* bad :
       {"permessage-deflate;", "a; b=", "a b", "a; b=\"unterminated", "a; b=\"no token\""}) {
    const HttpHeaders x = {{"Sec-WebSocket-Extensions", bad}};
    const auto parsed = parse_extensions(x);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().rule, Rule::handshake_bad_extensions) << bad;
  }
}

TEST(Handshake, ServerChecksEveryExtensionOfferAndKeepsThemAll) {
  // validate_request checks each Sec-WebSocket-Extensions field without building the offers and
  // keeps them joined (RFC 9110 5.3); offered_extensions() builds the same offers as
  // parse_extensions() does from the fields.
  for (const char* bad : {"permessage-deflate;", "a; b=", "a b", "a; b=\"unterminated",
                          "a; b=\"no token\"", "a; b=\"\"", "a; =c", "a,; b"}) {
    const HttpHeaders x = {{"Sec-WebSocket-Extensions", bad}};
    EXPECT_FALSE(parse_extensions(x)) << bad;
    EXPECT_EQ(rule_of(with_extra({"Sec-WebSocket-Extensions", bad})),
              Rule::handshake_bad_extensions)
        << bad;
  }
  auto request = request_with();
  request.headers.add("Sec-WebSocket-Extensions", "permessage-deflate; a=\"1\"");
  request.headers.add("Sec-WebSocket-Extensions", "");
  request.headers.add("Sec-WebSocket-Extensions", "x-foo, ,y; b");
  const auto accepted = validate_request(request);
  ASSERT_TRUE(accepted) << accepted.error().reason;
  const auto offers = accepted->offered_extensions();
  EXPECT_EQ(offers, parse_extensions(request.headers).value());
  ASSERT_EQ(offers.size(), 3U);
  EXPECT_EQ(offers[0].params.at(0), (std::pair<std::string, std::string>{"a", "1"}));
  EXPECT_EQ(offers[2].name, "y");
}

TEST(Handshake, RejectsSubprotocolThatIsNotAToken) {
  EXPECT_EQ(status_of(with_extra({"Sec-WebSocket-Protocol", "chat, bad/proto"})), 400);
  EXPECT_EQ(rule_of(with_extra({"Sec-WebSocket-Protocol", "chat, bad/proto"})),
            Rule::handshake_bad_subprotocol);
}

// --- client side ---

ClientOptions client_options() {
  ClientOptions o;
  o.host = "127.0.0.1:9001";
  o.target = "/echo";
  o.subprotocols = {"chat"};
  return o;
}

// A valid 101 for `key`, without the fields `drop` names, then `extra`.
HttpResponse response_for(std::string_view key, const std::vector<HttpField>& extra = {},
                          std::string_view drop = {}) {
  HttpResponse r;
  r.status = 101;
  const std::string accept = compute_accept(key);
  for (const HttpField f : {HttpField{"Upgrade", "websocket"}, HttpField{"Connection", "Upgrade"},
                            HttpField{"Sec-WebSocket-Accept", accept}}) {
    if (f.name != drop) r.headers.add(f.name, f.value);
  }
  for (const auto& h : extra)
    r.headers.add(h.name, h.value);
  return r;
}

TEST(Handshake, ClientRequestIsAcceptedByTheServerSide) {
  const auto req = build_request(client_options(), counting_random());
  EXPECT_EQ(req.key, "AAECAwQFBgcICQoLDA0ODw==");  // base64 of 00 01 .. 0f
  HttpHeadParser p(HttpKind::request);
  p.feed({reinterpret_cast<const uint8_t*>(req.bytes.data()), req.bytes.size()});
  ASSERT_EQ(p.status(), HttpHeadParser::Status::complete);
  ServerOptions server;
  server.subprotocols = {"chat"};
  const auto accepted = validate_request(p.request(), server);
  ASSERT_TRUE(accepted) << accepted.error().reason;
  EXPECT_EQ(p.request().target, "/echo");
  EXPECT_EQ(accepted->subprotocol, "chat");
}

TEST(Handshake, ClientAcceptsAValidResponse) {
  const auto ok = validate_response(response_for(kKey, {{"Sec-WebSocket-Protocol", "chat"}}), kKey,
                                    client_options());
  ASSERT_TRUE(ok) << ok.error().reason;
  EXPECT_EQ(ok->subprotocol, "chat");
}

TEST(Handshake, ClientRejectsEachDefectOfTheResponse) {
  const auto o = client_options();
  auto bad_status = response_for(kKey);
  bad_status.status = 200;
  const auto no_upgrade = response_for(kKey, {}, "Upgrade");
  const auto no_connection = response_for(kKey, {}, "Connection");
  auto wrong_accept = response_for("AQIDBAUGBwgJCgsMDQ4PEA==");
  const std::string accept = compute_accept(kKey);
  auto two_accepts = response_for(kKey, {{"Sec-WebSocket-Accept", accept}});
  struct Row {
    const char* name;
    HttpResponse response;
    Rule rule;
  };
  for (const auto& [name, response, rule] : std::vector<Row>{
           {"status 200", bad_status, Rule::handshake_status_not_101},
           {"no Upgrade", no_upgrade, Rule::handshake_response_bad_upgrade},
           {"no Connection", no_connection, Rule::handshake_response_bad_connection},
           {"wrong accept", wrong_accept, Rule::handshake_wrong_accept},
           {"two accepts", two_accepts, Rule::handshake_missing_accept},
           {"unoffered subprotocol", response_for(kKey, {{"Sec-WebSocket-Protocol", "superchat"}}),
            Rule::handshake_subprotocol_not_offered},
           {"two subprotocols",
            response_for(kKey,
                         {{"Sec-WebSocket-Protocol", "chat"}, {"Sec-WebSocket-Protocol", "chat"}}),
            Rule::handshake_many_subprotocols},
           {"unoffered extension",
            response_for(kKey, {{"Sec-WebSocket-Extensions", "permessage-deflate"}}),
            Rule::handshake_extension_not_offered},
       }) {
    const auto v = validate_response(response, kKey, o);
    ASSERT_FALSE(v) << name;
    EXPECT_EQ(v.error().rule, rule) << name;
    EXPECT_EQ(v.error().close_code, close_code::protocol_error) << name;
  }
}

TEST(Handshake, ClientAcceptsOfferedExtension) {
  auto o = client_options();
  o.extensions = {"permessage-deflate; client_max_window_bits"};
  const auto v = validate_response(
      response_for(kKey, {{"Sec-WebSocket-Extensions", "permessage-deflate"}}), kKey, o);
  ASSERT_TRUE(v) << v.error().reason;
  EXPECT_EQ(v->extensions.at(0).name, "permessage-deflate");
}

TEST(Handshake, ClientRejectsTheSameExtensionSelectedTwice) {
  auto o = client_options();
  o.extensions = {"permessage-deflate"};
  const auto v = validate_response(
      response_for(kKey, {{"Sec-WebSocket-Extensions", "permessage-deflate, permessage-deflate"}}),
      kKey, o);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().rule, Rule::handshake_repeated_extension);
}

TEST(Handshake, GeneratedKeysAreValidAndDiffer) {
  const auto random = openssl_random();
  const auto a = generate_key(random);
  const auto b = generate_key(random);
  EXPECT_TRUE(is_valid_key(a));
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace wsprobe::codec
