#include "wsprobe/server_handshake.hpp"

#include <algorithm>

#include "ascii.hpp"
#include "wsprobe/accept_key.hpp"

namespace wsprobe::codec {
namespace {

// RFC 3986 3.2.2 host, then an optional port: "example.com", "127.0.0.1:80", "[::1]:8080".
bool is_valid_host(std::string_view host) {
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    const std::string_view ip6 = host.substr(1, close - 1);
    if (!std::all_of(ip6.begin(), ip6.end(),
                     [](char c) { return ascii::is(c, ascii::hex) || c == ':' || c == '.'; })) {
      return false;
    }
    host.remove_prefix(close + 1);
    if (!host.empty() && host.front() != ':') return false;
    port = host.empty() ? host : host.substr(1);
    if (!host.empty() && port.empty()) return false;
  } else {
    const size_t colon = host.find(':');
    const std::string_view name = host.substr(0, colon);
    if (name.empty() || !ascii::all_of(name, ascii::hostchar)) {
      return false;
    }
    if (colon != std::string_view::npos) {
      port = host.substr(colon + 1);
      if (port.empty()) return false;
    }
  }
  return port.size() <= 5 && ascii::all_of(port, ascii::digit);
}

bool has_field(const std::vector<HttpHeader>& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const HttpHeader& h) { return iequals(h.name, name); });
}

}  // namespace

RequestKind classify_request(const HttpRequest& request) {
  const HttpHeaders& h = request.headers;
  if (h.count("Upgrade") == 0 && h.count("Sec-WebSocket-Key") == 0 &&
      h.count("Sec-WebSocket-Version") == 0) {
    return RequestKind::plain_http;
  }
  // An upgrade to some other protocol (h2c) is not ours either.
  if (h.count("Upgrade") != 0 && !contains_token(h, "Upgrade", "websocket") &&
      h.count("Sec-WebSocket-Key") == 0) {
    return RequestKind::plain_http;
  }
  return RequestKind::websocket;
}

Expected<AcceptedRequest> validate_request(const HttpRequest& request,
                                           const ServerOptions& options) {
  const HttpHeaders& h = request.headers;
  // RFC 6455 4.2.1 items 1-6, in order.
  if (request.method != "GET") return error_of(Rule::handshake_method_not_get);
  if (request.version_minor < 1) return error_of(Rule::handshake_http_version);
  const auto host = h.single("Host");
  if (h.count("Host") == 0) return error_of(Rule::handshake_missing_host);
  if (!host) return error_of(Rule::handshake_repeated_host);
  if (!is_valid_host(*host)) return error_of(Rule::handshake_bad_host);
  if (!contains_token(h, "Upgrade", "websocket")) {
    return error_of(Rule::handshake_bad_upgrade);
  }
  if (!contains_token(h, "Connection", "Upgrade")) {
    return error_of(Rule::handshake_bad_connection);
  }
  const auto key = h.single("Sec-WebSocket-Key");
  if (h.count("Sec-WebSocket-Key") == 0) {
    return error_of(Rule::handshake_missing_key);
  }
  if (!key) return error_of(Rule::handshake_repeated_key);
  if (!is_valid_key(*key)) {
    return error_of(Rule::handshake_bad_key);
  }
  const auto version = h.single("Sec-WebSocket-Version");
  if (h.count("Sec-WebSocket-Version") == 0) {
    return error_of(Rule::handshake_missing_version);
  }
  if (!version) return error_of(Rule::handshake_repeated_version);
  if (*version != websocket_version) {
    return error_of(Rule::handshake_unsupported_version);
  }
  auto protocols = parse_subprotocols(h);
  if (!protocols) return protocols.error();
  auto extensions = parse_extensions(h);
  if (!extensions) return extensions.error();

  AcceptedRequest accepted;
  accepted.key = *key;
  accepted.target = request.target;
  accepted.host = *host;
  accepted.offered_subprotocols = std::move(protocols.value());
  accepted.offered_extensions = std::move(extensions.value());
  // RFC 6455 4.2.2 step 5.4: the server picks one of the client's offers, or none. We pick by
  // the server's preference.
  for (const std::string& mine : options.subprotocols) {
    const auto& offered = accepted.offered_subprotocols;
    if (std::find(offered.begin(), offered.end(), mine) != offered.end()) {
      accepted.subprotocol = mine;
      break;
    }
  }
  if (options.deflate) {
    if (auto deflate = accept_deflate_offer(accepted.offered_extensions, *options.deflate)) {
      accepted.deflate = deflate->agreement;
      accepted.selected_extensions.push_back(std::move(deflate->response));
    }
  }
  return accepted;
}

std::string build_accept_response(const AcceptedRequest& accepted) {
  // RFC 6455 4.2.2 step 5.
  std::vector<HttpHeader> headers = {{"Upgrade", "websocket"},
                                     {"Connection", "Upgrade"},
                                     {"Sec-WebSocket-Accept", compute_accept(accepted.key)}};
  if (!accepted.subprotocol.empty())
    headers.push_back({"Sec-WebSocket-Protocol", accepted.subprotocol});
  for (const auto& extension : accepted.selected_extensions)
    headers.push_back({"Sec-WebSocket-Extensions", format_extension(extension)});
  return serialize_response(http_response(101, std::move(headers)));
}

std::string build_reject_response(const Error& error) {
  const uint16_t status = error.http_status != 0 ? error.http_status : 400;
  std::vector<HttpHeader> headers;
  if (status == 426) headers.push_back({"Upgrade", "websocket"});                // RFC 9110 15.5.22
  headers.push_back({"Sec-WebSocket-Version", std::string(websocket_version)});  // RFC 6455 4.4
  headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  headers.push_back({"Connection", "close"});
  std::string body(error.reason);
  body += '\n';
  return serialize_response(http_response(status, std::move(headers)), body);
}

HandshakeStatus ServerHandshake::feed(std::span<const uint8_t> bytes) {
  return feed_head(head_, bytes, leftover_);
}

ServerAnswer ServerHandshake::accept(const ServerOptions& options) const {
  if (status() != HandshakeStatus::complete) {
    const Error e =
        status() == HandshakeStatus::error ? error() : error_of(Rule::http_incomplete_head);
    return ServerAnswer{build_reject_response(e), e};
  }
  auto result = validate_request(request(), options);
  std::string bytes =
      result ? build_accept_response(result.value()) : build_reject_response(result.error());
  return ServerAnswer{std::move(bytes), std::move(result)};
}

std::string ServerHandshake::reject(int status, std::vector<HttpHeader> headers,
                                    std::string_view body) const {
  if (status == 426) {
    if (!has_field(headers, "Upgrade")) headers.push_back({"Upgrade", "websocket"});
    if (!has_field(headers, "Sec-WebSocket-Version")) {
      headers.push_back({"Sec-WebSocket-Version", std::string(websocket_version)});
    }
  }
  if (!body.empty() && !has_field(headers, "Content-Type")) {
    headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  }
  headers.push_back({"Connection", "close"});
  return serialize_response(http_response(status, std::move(headers)), body);
}

}  // namespace wsprobe::codec
