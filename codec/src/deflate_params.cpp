#include "wsprobe/deflate_params.hpp"

#include <algorithm>
#include <string>

namespace wsprobe::codec {
namespace {

constexpr std::string_view server_no_context_takeover = "server_no_context_takeover";
constexpr std::string_view client_no_context_takeover = "client_no_context_takeover";
constexpr std::string_view server_max_window_bits = "server_max_window_bits";
constexpr std::string_view client_max_window_bits = "client_max_window_bits";

// RFC 7692 7.1.2.1: "a decimal integer value without leading zeroes between 8 to 15".
std::optional<uint8_t> window_bits(std::string_view value) {
  if (value.size() == 1 && value[0] >= '8' && value[0] <= '9') {
    return static_cast<uint8_t>(value[0] - '0');
  }
  if (value.size() == 2 && value[0] == '1' && value[1] >= '0' && value[1] <= '5') {
    return static_cast<uint8_t>(10 + value[1] - '0');
  }
  return std::nullopt;
}

// Compared as written, as the client compares what the server selected (RFC 6455 9.1 gives
// extension names no case rule; the registered name is lowercase).
bool is_deflate(const ExtensionOffer& element) {
  return element.name == deflate_extension_name;
}

uint8_t or_max(std::optional<uint8_t> bits) {
  return bits && *bits != 0 ? *bits : max_window_bits;
}

// The agreement a response makes with one offer, or the rule the response breaks against it.
Expected<DeflateAgreement> agree(const DeflateParameters& answer, const DeflateParameters& offer) {
  // RFC 7692 7.1.1.1, 7.1.2.1: a server accepting these must answer them.
  if (offer.server_no_context_takeover && !answer.server_no_context_takeover) {
    return error_of(Rule::deflate_response_missing_parameter);
  }
  // Left out, server_max_window_bits means a window of up to 2^15 (7.1.2.1): a configuration
  // the client does not support (RFC 7692 7: it MUST fail) when it asked for less, and the
  // very one it asked for when it offered 15, which leaving the default unsaid still answers.
  if (offer.server_max_window_bits && !answer.server_max_window_bits &&
      or_max(offer.server_max_window_bits) < max_window_bits) {
    return error_of(Rule::deflate_response_missing_parameter);
  }
  // RFC 7692 7.1.2.1: "the same or smaller value as the offer". A server may announce its
  // window unasked.
  if (answer.server_max_window_bits && offer.server_max_window_bits &&
      *answer.server_max_window_bits > *offer.server_max_window_bits) {
    return error_of(Rule::deflate_response_not_offered);
  }
  // RFC 7692 7.1.2.2: only answered when offered, with a value no larger than an offered one.
  if (answer.client_max_window_bits) {
    if (!offer.client_max_window_bits) return error_of(Rule::deflate_response_not_offered);
    if (*answer.client_max_window_bits > or_max(offer.client_max_window_bits)) {
      return error_of(Rule::deflate_response_not_offered);
    }
  }
  DeflateAgreement a;
  a.server_no_context_takeover = answer.server_no_context_takeover;
  // RFC 7692 7.1.1.2: offering it is the client's own promise; the server may also ask for it.
  a.client_no_context_takeover =
      answer.client_no_context_takeover || offer.client_no_context_takeover;
  a.server_max_window_bits = or_max(answer.server_max_window_bits);
  a.client_max_window_bits =
      std::min(or_max(answer.client_max_window_bits), or_max(offer.client_max_window_bits));
  return a;
}

// The server's answer to one valid offer, or nullopt when it cannot accept it.
std::optional<DeflateAccept> answer(const DeflateParameters& offer,
                                    const DeflateServerConfig& config) {
  DeflateParameters response;
  // RFC 7692 7.1.1.1: an offered server_no_context_takeover is accepted by answering it.
  response.server_no_context_takeover =
      offer.server_no_context_takeover || config.server_no_context_takeover;
  // Only asked for: an offered client_no_context_takeover is a hint, not an agreement, and
  // keeping the inflater's context is always safe.
  response.client_no_context_takeover = config.client_no_context_takeover;
  // RFC 7692 7.1.2.1: answered when offered (same or smaller), announced when smaller than 15.
  const uint8_t server_bits =
      std::min(or_max(offer.server_max_window_bits), config.server_max_window_bits);
  if (offer.server_max_window_bits || server_bits < max_window_bits) {
    response.server_max_window_bits = server_bits;
  }
  // RFC 7692 7.1.2.2: asked for only when offered; a server that needs it declines otherwise.
  if (config.client_max_window_bits < max_window_bits ||
      (config.answer_client_max_window_bits && offer.client_max_window_bits)) {
    if (!offer.client_max_window_bits) return std::nullopt;
    response.client_max_window_bits =
        std::min(or_max(offer.client_max_window_bits), config.client_max_window_bits);
  }
  auto agreement = agree(response, offer);
  if (!agreement) return std::nullopt;  // not reachable: the answer follows the offer
  // The server relies on what it answered, never on the offer's hints: the client cannot tell
  // which of several offers was taken. RFC 7692 7.1.1.2: an offered client_no_context_takeover
  // is only a hint; 7.1.2.2: an offered window is the client's limit, unconfirmed unanswered.
  agreement->client_no_context_takeover = response.client_no_context_takeover;
  agreement->client_max_window_bits = or_max(response.client_max_window_bits);
  return DeflateAccept{agreement.value(), deflate_element(response)};
}

}  // namespace

Expected<DeflateParameters> parse_deflate_parameters(const ExtensionOffer& element) {
  DeflateParameters p;
  const Error bad = error_of(Rule::deflate_response_bad_parameter);
  bool seen_server_nct = false;
  bool seen_client_nct = false;
  for (const auto& [name, value] : element.params) {
    // RFC 7692 7: a server MUST decline an offer, and a client MUST fail the connection on a
    // response, that "contains multiple extension parameters with the same name" or "an
    // extension parameter not defined for use in" it: no parameter other than these four.
    if (name == server_no_context_takeover || name == client_no_context_takeover) {
      bool& seen = name == server_no_context_takeover ? seen_server_nct : seen_client_nct;
      if (seen || !value.empty()) return bad;  // RFC 7692 7.1.1: no value
      seen = true;
      (name == server_no_context_takeover ? p.server_no_context_takeover
                                          : p.client_no_context_takeover) = true;
    } else if (name == server_max_window_bits) {
      const auto bits = window_bits(value);
      if (p.server_max_window_bits || !bits) return bad;  // RFC 7692 7.1.2.1: value required
      p.server_max_window_bits = bits;
    } else if (name == client_max_window_bits) {
      if (p.client_max_window_bits) return bad;
      if (value.empty()) {
        p.client_max_window_bits = 0;  // RFC 7692 7.1.2.2: without a value
      } else {
        const auto bits = window_bits(value);
        if (!bits) return bad;
        p.client_max_window_bits = bits;
      }
    } else {
      return bad;
    }
  }
  return p;
}

ExtensionOffer deflate_element(const DeflateParameters& params) {
  ExtensionOffer e;
  e.name = deflate_extension_name;
  if (params.server_no_context_takeover) e.params.emplace_back(server_no_context_takeover, "");
  if (params.client_no_context_takeover) e.params.emplace_back(client_no_context_takeover, "");
  if (params.server_max_window_bits) {
    e.params.emplace_back(server_max_window_bits, std::to_string(*params.server_max_window_bits));
  }
  if (params.client_max_window_bits) {
    const uint8_t bits = *params.client_max_window_bits;
    e.params.emplace_back(client_max_window_bits, bits == 0 ? "" : std::to_string(bits));
  }
  return e;
}

DeflateDirection sending_direction(const DeflateAgreement& a, Role role) {
  return role == Role::server
             ? DeflateDirection{a.server_max_window_bits, a.server_no_context_takeover}
             : DeflateDirection{a.client_max_window_bits, a.client_no_context_takeover};
}

DeflateDirection receiving_direction(const DeflateAgreement& a, Role role) {
  return sending_direction(a, role == Role::server ? Role::client : Role::server);
}

std::optional<DeflateAccept> accept_deflate_offer(std::span<const ExtensionOffer> offers,
                                                  const DeflateServerConfig& config) {
  for (const auto& offer : offers) {
    if (!is_deflate(offer)) continue;
    const auto params = parse_deflate_parameters(offer);
    if (!params) continue;  // RFC 7692 7.1: declined; the next offer may do
    if (auto accepted = answer(params.value(), config)) return accepted;
  }
  return std::nullopt;
}

Expected<DeflateAgreement> accept_deflate_response(const ExtensionOffer& response,
                                                   std::span<const DeflateParameters> offers) {
  const auto answer = parse_deflate_parameters(response);
  if (!answer) return answer.error();
  // RFC 7692 7.1.2.2: a response must give client_max_window_bits a value.
  if (answer->client_max_window_bits == 0) {
    return error_of(Rule::deflate_response_bad_parameter);
  }
  std::optional<Error> first_error;
  for (const auto& offer : offers) {
    auto agreement = agree(answer.value(), offer);
    if (agreement) return agreement;
    if (!first_error) first_error = agreement.error();
  }
  return first_error ? *first_error : error_of(Rule::handshake_extension_not_offered);
}

}  // namespace wsprobe::codec
