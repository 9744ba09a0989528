#pragma once
// The opening handshake (RFC 6455 4.1, 4.2, 4.4): the server validates the client's request and
// answers 101 or rejects it (400; 426 with Sec-WebSocket-Version: 13 for a version it does not
// speak); the client builds its request and strictly validates the server's response.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wsprobe/error.hpp"
#include "wsprobe/http.hpp"
#include "wsprobe/random.hpp"

namespace wsprobe::codec {

inline constexpr std::string_view websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
inline constexpr std::string_view websocket_version = "13";

// base64(SHA-1(key + GUID)) (RFC 6455 4.2.2 step 5.4).
std::string compute_accept(std::string_view key);

// RFC 6455 4.1: base64 of 16 random bytes.
std::string generate_key(const RandomSource& random);
// True when `key` is base64 that decodes to exactly 16 bytes (RFC 6455 4.2.1 item 5).
bool is_valid_key(std::string_view key);

// One element of Sec-WebSocket-Extensions: a name and its parameters (RFC 6455 9.1).
struct ExtensionOffer {
  std::string name;
  std::vector<std::pair<std::string, std::string>> params;  // value empty when absent
  friend bool operator==(const ExtensionOffer&, const ExtensionOffer&) = default;
};
Expected<std::vector<ExtensionOffer>> parse_extensions(const HttpHeaders& headers);
// Sec-WebSocket-Protocol tokens of every field, in order (RFC 6455 4.1, 11.3.4).
Expected<std::vector<std::string>> parse_subprotocols(const HttpHeaders& headers);

// --- server side ---

enum class RequestKind : uint8_t { websocket, plain_http };
// A request that asks for no upgrade is plain HTTP, which the server may answer itself.
RequestKind classify_request(const HttpRequest& request);

struct ServerOptions {
  std::vector<std::string> subprotocols;  // supported, in order of preference
};

struct AcceptedRequest {
  std::string key;
  std::string target;
  std::string host;
  std::vector<std::string> offered_subprotocols;
  std::vector<ExtensionOffer> offered_extensions;
  std::string subprotocol;  // selected; empty when none
};

// Validates a client's upgrade request (RFC 6455 4.2.1). Errors carry the HTTP status to answer.
Expected<AcceptedRequest> validate_request(const HttpRequest& request,
                                           const ServerOptions& options = {});
std::string build_accept_response(const AcceptedRequest& accepted);
// A rejection: the status and reason of `error`, with Sec-WebSocket-Version: 13 (RFC 6455 4.4).
std::string build_reject_response(const Error& error);

// --- client side ---

struct ClientOptions {
  std::string host;  // Host header value, with ":port" when not the default
  std::string target = "/";
  std::vector<std::string> subprotocols;
  std::vector<std::string> extensions;  // raw offers, e.g. "permessage-deflate"
  std::vector<HttpHeader> extra_headers;
};

struct ClientRequest {
  std::string key;
  std::string bytes;
};
ClientRequest build_request(const ClientOptions& options, const RandomSource& random);

struct AcceptedResponse {
  std::string subprotocol;
  std::vector<ExtensionOffer> extensions;
};

// Validates the server's response to a request carrying `key` (RFC 6455 4.1, the client's
// checks 1-6). Errors carry 1002: the client fails the connection.
Expected<AcceptedResponse> validate_response(const HttpResponse& response, std::string_view key,
                                             const ClientOptions& offered);

}  // namespace wsprobe::codec
