#pragma once
// permessage-deflate negotiation (RFC 7692 5, 7.1), both roles: the parameters of one
// Sec-WebSocket-Extensions element, the server's choice among the client's offers, the client's
// offer and its check of the server's response. The deflate data itself is deflate.hpp's.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "wsprobe/error.hpp"
#include "wsprobe/extension_header.hpp"
#include "wsprobe/frame_parser.hpp"

namespace wsprobe::codec {

inline constexpr std::string_view deflate_extension_name = "permessage-deflate";
inline constexpr uint8_t min_window_bits = 8;   // RFC 7692 7.1.2.1
inline constexpr uint8_t max_window_bits = 15;  // RFC 7692 7.1.2.1

// The parameters of one permessage-deflate element as written, an offer's or a response's
// (RFC 7692 7.1). Window bits are 8..15.
struct DeflateParameters {
  bool server_no_context_takeover = false;        // RFC 7692 7.1.1.1
  bool client_no_context_takeover = false;        // RFC 7692 7.1.1.2
  std::optional<uint8_t> server_max_window_bits;  // RFC 7692 7.1.2.1
  // RFC 7692 7.1.2.2: an offer may carry the parameter without a value ("I can limit my
  // window if you ask"): then it holds 0. A response must give a value.
  std::optional<uint8_t> client_max_window_bits;
  friend bool operator==(const DeflateParameters&, const DeflateParameters&) = default;
};

// Reads an element's parameters. Unknown, repeated or malformed ones (a value where none is
// allowed, none where one is required, a window outside 8..15, leading zeros) are an error:
// the server declines such an offer, the client fails on such a response (RFC 7692 7.1).
Expected<DeflateParameters> parse_deflate_parameters(const ExtensionOffer& element);
// The element that carries `params`: "permessage-deflate; client_max_window_bits".
ExtensionOffer deflate_element(const DeflateParameters& params);

// What both endpoints use once negotiated (RFC 7692 7.1): each direction's window and whether
// its context is reset after every message.
struct DeflateAgreement {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  uint8_t server_max_window_bits = max_window_bits;
  uint8_t client_max_window_bits = max_window_bits;
  friend bool operator==(const DeflateAgreement&, const DeflateAgreement&) = default;
};

// One direction of an agreement: the server compresses with the server_* parameters, the client
// with the client_* ones (RFC 7692 7.1.1, 7.1.2).
struct DeflateDirection {
  uint8_t window_bits = max_window_bits;
  bool no_context_takeover = false;
};
DeflateDirection sending_direction(const DeflateAgreement& agreement, Role role);
DeflateDirection receiving_direction(const DeflateAgreement& agreement, Role role);

// What a server asks for when it accepts an offer.
struct DeflateServerConfig {
  bool server_no_context_takeover = false;           // reset its own context after each message
  uint8_t server_max_window_bits = max_window_bits;  // its own window, announced when < 15
  bool client_no_context_takeover = false;           // ask the client to reset its context
  // Ask the client for a smaller window. Below 15 the server needs it, so offers that do not
  // carry client_max_window_bits are declined (RFC 7692 7.1.2.2: it may not be answered).
  uint8_t client_max_window_bits = max_window_bits;
  // Answer client_max_window_bits to an offer that carries it even when the window asked for is
  // 15 (Autobahn's fuzzingserver answers client_max_window_bits=15 in 13.4 and 13.6); offers
  // without it are still accepted, unanswered (RFC 7692 7.1.2.2).
  bool answer_client_max_window_bits = false;
};

struct DeflateAccept {
  DeflateAgreement agreement;
  ExtensionOffer response;  // the element to answer with
};
// The server's choice (RFC 7692 5.1): the first permessage-deflate offer it can accept, in the
// client's order, with what `config` asks for; offers with unknown, repeated or invalid
// parameters are declined. None acceptable: nullopt (the server answers without the extension).
std::optional<DeflateAccept> accept_deflate_offer(std::span<const ExtensionOffer> offers,
                                                  const DeflateServerConfig& config);

// The client's check of the server's permessage-deflate element against what it offered
// (`offers`, in order; the response accepts one of them): only what an offer allows may be
// answered (RFC 7692 7.1). Errors carry 1002: the client fails the connection.
Expected<DeflateAgreement> accept_deflate_response(const ExtensionOffer& response,
                                                   std::span<const DeflateParameters> offers);

}  // namespace wsprobe::codec
