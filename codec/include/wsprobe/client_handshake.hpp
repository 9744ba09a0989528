#pragma once
// The client's side of the opening handshake (RFC 6455 4.1): build the request, then strictly
// validate the server's response. ClientHandshake is the sans-I/O object a client (or the tester,
// with a deliberately odd request) feeds the bytes it reads.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wsprobe/deflate_params.hpp"
#include "wsprobe/error.hpp"
#include "wsprobe/extension_header.hpp"
#include "wsprobe/http.hpp"
#include "wsprobe/random.hpp"
#include "wsprobe/server_handshake.hpp"

namespace wsprobe::codec {

struct ClientOptions {
  std::string host;  // Host header value, with ":port" when not the default
  std::string target = "/";
  std::vector<std::string> subprotocols;
  std::vector<std::string> extensions;  // raw offers, e.g. "x-webkit-deflate-frame"
  // A permessage-deflate offer (RFC 7692 7.1), sent after `extensions`. A response accepting
  // any permessage-deflate offer (this one or a raw one) is checked against it.
  std::optional<DeflateParameters> deflate;
  std::vector<HttpHeader> extra_headers;
};

// A request as it will be sent, header by header: other methods, versions, missing or repeated
// headers and the caller's own key are all expressible.
struct PreparedRequest {
  std::string method = "GET";
  std::string target = "/";
  std::string version = "HTTP/1.1";
  std::vector<HttpHeader> headers;
};
// The standard upgrade request for `options` carrying `key` (RFC 6455 4.1).
PreparedRequest prepare_request(const ClientOptions& options, std::string_view key);

struct ClientRequest {
  std::string key;
  std::string bytes;
};
ClientRequest build_request(const ClientOptions& options, const RandomSource& random);

struct AcceptedResponse {
  std::string subprotocol;
  std::vector<ExtensionOffer> extensions;
  std::optional<DeflateAgreement> deflate;  // when the server accepted permessage-deflate
};

// Validates the server's response to a request carrying `key` (RFC 6455 4.1, the client's
// checks 1-6). Errors carry 1002: the client fails the connection.
Expected<AcceptedResponse> validate_response(const HttpResponse& response, std::string_view key,
                                             const ClientOptions& offered);

// One connection's opening handshake, client side: write request_bytes(), feed what arrives until
// status() is not incomplete, validate(), then hand leftover() to the frame reader.
class ClientHandshake {
 public:
  // The standard request for `options`, with a fresh key from `random`.
  ClientHandshake(const ClientOptions& options, const RandomSource& random, HttpLimits limits = {});
  // `request` sent as given. The response is checked against what its headers offered: the first
  // Sec-WebSocket-Key, the Sec-WebSocket-Protocol tokens and the Sec-WebSocket-Extensions offers.
  explicit ClientHandshake(const PreparedRequest& request, HttpLimits limits = {});

  [[nodiscard]] const std::string& request_bytes() const { return request_bytes_; }
  [[nodiscard]] const std::string& key() const { return key_; }

  // Takes any split of the input; bytes after the head (and everything fed once the head is
  // complete) are kept for leftover().
  HandshakeStatus feed(std::span<const uint8_t> bytes);
  [[nodiscard]] HandshakeStatus status() const { return head_.status(); }
  // The head's error once status() is error: a malformed or oversized response (1002).
  [[nodiscard]] const Error& error() const { return head_.error(); }
  [[nodiscard]] const HttpResponse& response() const { return head_.response(); }
  // Whether the server accepted, with what it selected, or the rule its response broke.
  [[nodiscard]] Expected<AcceptedResponse> validate() const;
  // The response head as received, for evidence.
  [[nodiscard]] std::string_view head_bytes() const { return head_.raw(); }
  // The bytes that followed the head: the first frames, for the frame reader.
  [[nodiscard]] std::span<const uint8_t> leftover() const { return leftover_; }

 private:
  ClientOptions offered_;
  std::string key_;
  std::string request_bytes_;
  HttpHeadParser head_;
  std::vector<uint8_t> leftover_;
};

}  // namespace wsprobe::codec
