#pragma once
// The opening handshake of a case, in either role (RFC 6455 4.1, 4.2): as the client, the request
// the case describes (deliberately odd ones included) and the judging of a server's refusal; as
// the server, the answer to a client's request. A case whose first frame goes in the same write
// as the handshake (RFC 6455 4.1: a frame may follow the head at once) sends it here.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/catalogue.hpp"
#include "engine/conversation.hpp"
#include "wsprobe/deflate_params.hpp"
#include "wsprobe/http.hpp"

namespace wsprobe::harness {

struct Opening {
  bool open = false;              // frames may follow
  bool first_step_sent = false;   // the first step went with the handshake
  std::vector<uint8_t> leftover;  // bytes after the peer's head, for the receiver
  // The case offered permessage-deflate (RFC 7692): what the server agreed to, or nullopt when it
  // declined (the case is then UNIMPLEMENTED, unless it says declining is right).
  std::optional<codec::DeflateAgreement> deflate;
  // A SHOULD case's agreement accepted none of the offers it prefers (DeflateSpec::accept_only,
  // RFC 7692 5): what the server answered instead, for a NON-STRICT verdict once the case ran.
  std::string deflate_not_preferred;
};

// "server_max_window_bits=9, client_no_context_takeover" and so on: the agreement, for evidence.
std::string describe_agreement(const codec::DeflateAgreement& agreement);

// Connects to `url`, sends the case's request and judges the response. Sets the verdict itself
// when the case ends here (a refusal judged, or a failure).
Opening open_as_client(const Case& c, const Url& url, const TlsOptions& tls, Wire& wire,
                       const Sender& sender, CaseResult& result);

// Answers the client's `request` (already read) on the attached transport.
Opening open_as_server(const Case& c, const codec::HttpRequest& request,
                       std::vector<uint8_t> leftover, Wire& wire, const Sender& sender,
                       CaseResult& result);

// Autobahn 0.10.9's open-handshake timeout (autobahn-cases.md 2.6), before scaling.
inline constexpr double open_handshake_timeout = 5.0;

}  // namespace wsprobe::harness
