#pragma once
// The server's side of the opening handshake (RFC 6455 4.2): validate the client's request, then
// answer 101 or reject it (400; 426 with Sec-WebSocket-Version: 13 for a version it does not
// speak, RFC 6455 4.4). ServerHandshake is the sans-I/O object a server feeds the bytes it reads.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wsprobe/deflate_params.hpp"
#include "wsprobe/error.hpp"
#include "wsprobe/extension_header.hpp"
#include "wsprobe/http.hpp"

namespace wsprobe::codec {

using HandshakeStatus = HttpHeadParser::Status;

enum class RequestKind : uint8_t { websocket, plain_http };
// A request that asks for no upgrade is plain HTTP, which the server may answer itself.
RequestKind classify_request(const HttpRequest& request);

struct ServerOptions {
  std::vector<std::string> subprotocols;  // supported, in order of preference
  // permessage-deflate (RFC 7692): accepted with these settings when set; never when not.
  std::optional<DeflateServerConfig> deflate;
};

// A valid Sec-WebSocket-Key: base64 of 16 bytes, always 24 characters (RFC 6455 4.1), so it is
// held inline rather than allocated on every handshake.
class WebSocketKey {
 public:
  static constexpr size_t size = 24;
  WebSocketKey() = default;
  // Keeps the first 24 characters of `key` (validate_request() only stores valid keys).
  explicit WebSocketKey(std::string_view key) {
    key.copy(chars_.data(), std::min(key.size(), size));
  }
  operator std::string_view() const {  // NOLINT(*-explicit-*): used wherever a key is read
    return {chars_.data(), size};
  }

 private:
  std::array<char, size> chars_{};
};

// What the server needs from a valid upgrade request to answer it and run the connection (the
// target, Host and other fields stay in the HttpRequest it came from).
struct AcceptedRequest {
  WebSocketKey key;
  std::vector<std::string> offered_subprotocols;
  // Every Sec-WebSocket-Extensions value, joined by ", " (RFC 9110 5.3), already checked: the
  // offers are built only when asked for (a server without extensions never needs them).
  std::string offered_extension_list;
  [[nodiscard]] std::vector<ExtensionOffer> offered_extensions() const;
  std::string subprotocol;                          // selected; empty when none
  std::vector<ExtensionOffer> selected_extensions;  // answered in Sec-WebSocket-Extensions
  std::optional<DeflateAgreement> deflate;          // when permessage-deflate was accepted
};

// Validates a client's upgrade request (RFC 6455 4.2.1). Errors carry the HTTP status to answer.
Expected<AcceptedRequest> validate_request(const HttpRequest& request,
                                           const ServerOptions& options = {});
std::string build_accept_response(const AcceptedRequest& accepted);
// A rejection: the status and reason of `error`, with Sec-WebSocket-Version: 13 (RFC 6455 4.4).
std::string build_reject_response(const Error& error);

// What ServerHandshake::accept() decided: the bytes to write, and what was negotiated or the
// rule the request broke.
struct ServerAnswer {
  std::string bytes;  // the 101, or the rejection (then close the connection)
  Expected<AcceptedRequest> result;
  [[nodiscard]] bool accepted() const { return result.ok(); }
};

// One connection's opening handshake, server side. Feed it what arrives until status() is not
// incomplete; then accept() (or answer a plain HTTP request with reject()) and hand leftover() to
// the frame reader.
class ServerHandshake {
 public:
  explicit ServerHandshake(HttpLimits limits = {}) : head_(HttpKind::request, limits) {}

  // Takes any split of the input; bytes after the head (and everything fed once the head is
  // complete) are kept for leftover().
  HandshakeStatus feed(std::span<const uint8_t> bytes);
  [[nodiscard]] HandshakeStatus status() const { return head_.status(); }
  // The head's error once status() is error: 400 malformed, 431 too large.
  [[nodiscard]] const Error& error() const { return head_.error(); }
  [[nodiscard]] const HttpRequest& request() const { return head_.request(); }
  [[nodiscard]] RequestKind kind() const { return classify_request(request()); }

  // The 101 and what was negotiated, or the rejection the request deserves (the head's error,
  // or validate_request()'s).
  [[nodiscard]] ServerAnswer accept(const ServerOptions& options = {}) const;
  // Any other answer (404, 405, a status page): `headers`, then Connection: close; a 426 names
  // the protocol and version 13 (RFC 9110 15.5.22, RFC 6455 4.4).
  [[nodiscard]] std::string reject(int status, std::vector<HttpField> headers = {},
                                   std::string_view body = {}) const;
  // The request head as received, for evidence.
  [[nodiscard]] std::string_view head_bytes() const { return head_.raw(); }
  // The bytes that followed the head: the first frames, for the frame reader.
  [[nodiscard]] std::span<const uint8_t> leftover() const { return leftover_; }

 private:
  HttpHeadParser head_;
  std::vector<uint8_t> leftover_;
};

}  // namespace wsprobe::codec
