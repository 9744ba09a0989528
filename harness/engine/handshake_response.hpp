#pragma once
// The tester's answer to a client's opening handshake when a case changes it (RFC 6455 4.2.2),
// and the judging of a client that must refuse it (RFC 6455 4.1: "If the server's response is
// not validated ..., the client MUST _Fail the WebSocket Connection_"). The correct parts come
// from the codec (its 101 and its Sec-WebSocket-Accept); the case changes only what it names.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "engine/catalogue.hpp"
#include "engine/result.hpp"
#include "wsprobe/server_handshake.hpp"

namespace wsprobe::harness {

// The response head `spec` describes for the client's `accepted` request.
std::string build_case_response(const HandshakeResponseSpec& spec,
                                const codec::AcceptedRequest& accepted);

// The tester's answer to the client's permessage-deflate offers in a client case (RFC 7692 5,
// 7.1): each of spec.accept in turn, by the codec's server choice, among the offers that carry
// what it requires and none of what it excludes, with its add_parameters appended to the element;
// nullopt when none accepts (the case is then UNIMPLEMENTED).
std::optional<codec::DeflateAccept> accept_client_deflate(
    const DeflateSpec& spec, std::span<const codec::ExtensionOffer> offered);

// What the client sent after a response it must refuse, up to the case's timeout.
struct RefusalObservation {
  uint64_t frames = 0;        // frame headers read, the close frame included
  bool close_frame = false;   // one of them was a close frame
  bool violation = false;     // bytes that are no valid client frame
  bool http_request = false;  // those bytes start like an HTTP request line
  bool tcp_closed = false;    // the client closed TCP (or reset it)
  std::string peer;           // "the client"
};

// RFC 9112 3: the bytes start with a method and a space ("GET /...").
bool starts_like_http_request(std::string_view head);

// The verdict, as the wire shows it:
//  - TCP closed with no frame sent, or a new HTTP request: OK (the connection was failed, or the
//    response was taken as plain HTTP);
//  - a close frame and no other frame: NON-STRICT (RFC 6455 7.1.7 sends a close frame only on an
//    established connection, which this never was);
//  - any other frame: FAILED (the client took the response as an upgrade);
//  - nothing sent and TCP still open at the timeout: NON-STRICT (it did not use the connection,
//    but failing it closes it, RFC 6455 7.1.1).
void judge_refusal_by_client(const RefusalObservation& seen, CaseResult& r);

}  // namespace wsprobe::harness
