#include "wsprobe/deflate_params.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wsprobe::codec {
namespace {

// The elements of a Sec-WebSocket-Extensions value.
std::vector<ExtensionOffer> elements(const std::string& value) {
  const HttpHeaders h = {{"Sec-WebSocket-Extensions", value}};
  auto parsed = parse_extensions(h);
  EXPECT_TRUE(parsed.ok()) << value;
  return parsed ? parsed.value() : std::vector<ExtensionOffer>{};
}

Expected<DeflateParameters> parse(const std::string& value) {
  return parse_deflate_parameters(elements(value).at(0));
}

std::string answer_to(const std::string& offers, const DeflateServerConfig& config = {}) {
  const auto accepted = accept_deflate_offer(elements(offers), config);
  return accepted ? format_extension(accepted->response) : "declined";
}

Expected<DeflateAgreement> check_response(const std::string& response,
                                          std::vector<DeflateParameters> offers) {
  return accept_deflate_response(elements(response).at(0), offers);
}

DeflateParameters offer(bool server_nct, std::optional<uint8_t> server_bits,
                        std::optional<uint8_t> client_bits = 0) {
  DeflateParameters p;
  p.server_no_context_takeover = server_nct;
  p.server_max_window_bits = server_bits;
  p.client_max_window_bits = client_bits;
  return p;
}

TEST(DeflateParameters, ReadsTheFourParameters) {
  const auto p = parse(
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
      "server_max_window_bits=10; client_max_window_bits=\"12\"");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->server_no_context_takeover);
  EXPECT_TRUE(p->client_no_context_takeover);
  EXPECT_EQ(p->server_max_window_bits, 10);
  EXPECT_EQ(p->client_max_window_bits, 12);
}

TEST(DeflateParameters, ReadsClientMaxWindowBitsWithoutAValueAsZero) {
  const auto p = parse("permessage-deflate; client_max_window_bits");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->client_max_window_bits, 0);
  EXPECT_FALSE(p->server_max_window_bits);
}

TEST(DeflateParameters, RejectsUnknownRepeatedAndMalformedParameters) {
  for (const char* bad : {
           "permessage-deflate; foo",
           "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
           "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
           "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",
           "permessage-deflate; server_no_context_takeover=1",
           "permessage-deflate; client_no_context_takeover=true",
           "permessage-deflate; server_max_window_bits",
           "permessage-deflate; server_max_window_bits=7",
           "permessage-deflate; server_max_window_bits=16",
           "permessage-deflate; server_max_window_bits=010",
           "permessage-deflate; client_max_window_bits=0",
           "permessage-deflate; client_max_window_bits=abc",
       }) {
    const auto p = parse(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.error().rule, Rule::deflate_response_bad_parameter) << bad;
  }
}

TEST(DeflateParameters, AcceptsEveryWindowFrom8To15) {
  for (int bits = 8; bits <= 15; ++bits) {
    const auto p = parse("permessage-deflate; server_max_window_bits=" + std::to_string(bits));
    ASSERT_TRUE(p.ok()) << bits;
    EXPECT_EQ(p->server_max_window_bits, bits);
  }
}

TEST(DeflateParameters, FormatsAnElementThatReadsBackTheSame) {
  const DeflateParameters p = offer(true, 9, 0);
  const std::string text = format_extension(deflate_element(p));
  EXPECT_EQ(text,
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=9; "
            "client_max_window_bits");
  EXPECT_EQ(parse(text).value(), p);
}

TEST(DeflateServer, AcceptsTheDefaultOfferWithNoParameters) {
  EXPECT_EQ(answer_to("permessage-deflate; client_max_window_bits"), "permessage-deflate");
  const auto a = accept_deflate_offer(elements("permessage-deflate"), {});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->agreement, DeflateAgreement{});
}

TEST(DeflateServer, TakesTheFirstAcceptableOfferInTheClientsOrder) {
  EXPECT_EQ(answer_to("x-foo, permessage-deflate; bogus, permessage-deflate; "
                      "server_max_window_bits=10, permessage-deflate"),
            "permessage-deflate; server_max_window_bits=10");
}

TEST(DeflateServer, DeclinesWhenNoOfferIsValid) {
  EXPECT_EQ(answer_to("permessage-deflate; server_max_window_bits=16"), "declined");
  EXPECT_EQ(answer_to("x-webkit-deflate-frame"), "declined");
  EXPECT_EQ(answer_to(""), "declined");
}

TEST(DeflateServer, AnswersWhatTheOfferAsksOfTheServer) {
  // RFC 7692 7.1.1.1, 7.1.2.1: accepted by answering, the window same or smaller.
  EXPECT_EQ(answer_to("permessage-deflate; server_no_context_takeover; server_max_window_bits=9"),
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=9");
  DeflateServerConfig smaller;
  smaller.server_max_window_bits = 10;
  EXPECT_EQ(answer_to("permessage-deflate; server_max_window_bits=12", smaller),
            "permessage-deflate; server_max_window_bits=10");
  EXPECT_EQ(answer_to("permessage-deflate; server_max_window_bits=9", smaller),
            "permessage-deflate; server_max_window_bits=9");
}

TEST(DeflateServer, AnnouncesItsOwnSmallerWindowUnasked) {
  DeflateServerConfig c;
  c.server_max_window_bits = 11;
  c.server_no_context_takeover = true;
  const auto a = accept_deflate_offer(elements("permessage-deflate"), c);
  ASSERT_TRUE(a);
  EXPECT_EQ(format_extension(a->response),
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=11");
  EXPECT_EQ(sending_direction(a->agreement, Role::server).window_bits, 11);
  EXPECT_TRUE(sending_direction(a->agreement, Role::server).no_context_takeover);
}

TEST(DeflateServer, AsksForTheClientsWindowOnlyWhenOfferedAndDeclinesOtherwise) {
  // Autobahn 13.3 as server: client_max_window_bits=9, only if the client offered it.
  DeflateServerConfig c;
  c.client_max_window_bits = 9;
  EXPECT_EQ(answer_to("permessage-deflate; client_max_window_bits", c),
            "permessage-deflate; client_max_window_bits=9");
  EXPECT_EQ(answer_to("permessage-deflate; client_max_window_bits=8", c),
            "permessage-deflate; client_max_window_bits=8");
  EXPECT_EQ(answer_to("permessage-deflate", c), "declined");
  EXPECT_EQ(answer_to("permessage-deflate, permessage-deflate; client_max_window_bits", c),
            "permessage-deflate; client_max_window_bits=9");
}

TEST(DeflateServer, AnswersAWindowOf15WhenAskedToAndOffered) {
  // Autobahn 13.4 as server: client_max_window_bits=15 answered to a client that offered it.
  DeflateServerConfig c;
  c.answer_client_max_window_bits = true;
  EXPECT_EQ(answer_to("permessage-deflate; client_max_window_bits", c),
            "permessage-deflate; client_max_window_bits=15");
  EXPECT_EQ(answer_to("permessage-deflate; client_max_window_bits=10", c),
            "permessage-deflate; client_max_window_bits=10");
  EXPECT_EQ(answer_to("permessage-deflate", c), "permessage-deflate");
}

TEST(DeflateServer, AsksTheClientToDropItsContext) {
  DeflateServerConfig c;
  c.client_no_context_takeover = true;
  const auto a = accept_deflate_offer(elements("permessage-deflate"), c);
  ASSERT_TRUE(a);
  EXPECT_EQ(format_extension(a->response), "permessage-deflate; client_no_context_takeover");
  EXPECT_TRUE(receiving_direction(a->agreement, Role::server).no_context_takeover);
}

TEST(DeflateServer, KeepsItsInflaterContextOnTheClientsHintAlone) {
  // RFC 7692 7.1.1.2: an offered client_no_context_takeover is a hint, not answered.
  const auto a =
      accept_deflate_offer(elements("permessage-deflate; client_no_context_takeover"), {});
  ASSERT_TRUE(a);
  EXPECT_EQ(format_extension(a->response), "permessage-deflate");
  EXPECT_FALSE(receiving_direction(a->agreement, Role::server).no_context_takeover);
}

TEST(DeflateClient, AcceptsAResponseWithinTheOffer) {
  const auto a = check_response(
      "permessage-deflate; server_max_window_bits=9; "
      "client_max_window_bits=10; client_no_context_takeover",
      {offer(false, 12)});
  ASSERT_TRUE(a.ok()) << a.error().reason;
  EXPECT_EQ(a->server_max_window_bits, 9);
  EXPECT_EQ(a->client_max_window_bits, 10);
  EXPECT_TRUE(a->client_no_context_takeover);
  EXPECT_EQ(receiving_direction(a.value(), Role::client).window_bits, 9);
  EXPECT_EQ(sending_direction(a.value(), Role::client).window_bits, 10);
}

TEST(DeflateClient, AcceptsServerParametersTheServerMayAddUnasked) {
  const auto a =
      check_response("permessage-deflate; server_no_context_takeover; server_max_window_bits=11",
                     {offer(false, std::nullopt, std::nullopt)});
  ASSERT_TRUE(a.ok()) << a.error().reason;
  EXPECT_TRUE(a->server_no_context_takeover);
  EXPECT_EQ(a->server_max_window_bits, 11);
}

TEST(DeflateClient, FailsOnAClientWindowItDidNotOffer) {
  const auto a = check_response("permessage-deflate; client_max_window_bits=10",
                                {offer(false, std::nullopt, std::nullopt)});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().rule, Rule::deflate_response_not_offered);
  EXPECT_EQ(a.error().close_code, close_code::protocol_error);
}

TEST(DeflateClient, FailsOnWindowsLargerThanOffered) {
  EXPECT_EQ(check_response("permessage-deflate; server_max_window_bits=12", {offer(false, 10)})
                .error()
                .rule,
            Rule::deflate_response_not_offered);
  EXPECT_EQ(check_response("permessage-deflate; client_max_window_bits=12",
                           {offer(false, std::nullopt, 10)})
                .error()
                .rule,
            Rule::deflate_response_not_offered);
}

TEST(DeflateClient, FailsWhenTheServerOmitsWhatTheOfferAskedOfIt) {
  EXPECT_EQ(check_response("permessage-deflate", {offer(true, std::nullopt)}).error().rule,
            Rule::deflate_response_missing_parameter);
  EXPECT_EQ(check_response("permessage-deflate", {offer(false, 9)}).error().rule,
            Rule::deflate_response_missing_parameter);
}

TEST(DeflateClient, TakesAnAnswerThatLeavesOutAnOfferedServerWindowOf15) {
  // RFC 7692 7.1.2.1: no server_max_window_bits in the response means 15, what was offered.
  const auto agreed = check_response("permessage-deflate", {offer(false, 15)});
  ASSERT_TRUE(agreed.ok()) << agreed.error().reason;
  EXPECT_EQ(agreed->server_max_window_bits, 15);
  EXPECT_EQ(receiving_direction(agreed.value(), Role::client).window_bits, 15);
}

TEST(DeflateClient, FailsOnUnknownParametersAndAClientWindowWithoutValue) {
  EXPECT_EQ(check_response("permessage-deflate; foo=1", {offer(false, std::nullopt)}).error().rule,
            Rule::deflate_response_bad_parameter);
  EXPECT_EQ(
      check_response("permessage-deflate; client_max_window_bits", {offer(false, std::nullopt)})
          .error()
          .rule,
      Rule::deflate_response_bad_parameter);
}

TEST(DeflateClient, AcceptsAResponseToAnyOfSeveralOffers) {
  // Autobahn 13.7: [(True, 9), (True, 0), (False, 0)]; the server took the last one.
  const std::vector<DeflateParameters> offers{offer(true, 9), offer(true, std::nullopt),
                                              offer(false, std::nullopt)};
  const auto a = check_response("permessage-deflate", offers);
  ASSERT_TRUE(a.ok()) << a.error().reason;
  EXPECT_FALSE(a->server_no_context_takeover);
}

TEST(DeflateClient, DropsItsOwnContextWhenItOfferedTo) {
  DeflateParameters o;
  o.client_no_context_takeover = true;
  const auto a = check_response("permessage-deflate", {o});
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(sending_direction(a.value(), Role::client).no_context_takeover);
}

}  // namespace
}  // namespace wsprobe::codec
