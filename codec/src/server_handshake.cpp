#include "wsprobe/server_handshake.hpp"

#include <algorithm>
#include <array>

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

bool has_field(const std::vector<HttpField>& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const HttpField& h) { return iequals(h.name, name); });
}

// A field validate_request reads once: how often it occurs and its value when it occurs once.
struct Seen {
  size_t count = 0;
  std::string_view value;
  void see(std::string_view v) {
    ++count;
    value = v;
  }
  [[nodiscard]] std::optional<std::string_view> single() const {
    return count == 1 ? std::optional(value) : std::nullopt;
  }
};

// What RFC 6455 4.2.1 asks of the headers, gathered in one pass over them (a lookup per rule
// would scan every field each time).
struct UpgradeFields {
  Seen host;
  Seen key;
  Seen version;
  bool upgrade_websocket = false;   // some Upgrade field lists "websocket"
  bool connection_upgrade = false;  // some Connection field lists "Upgrade"
  bool subprotocols = false;        // a Sec-WebSocket-Protocol field is there to parse
  bool extensions = false;          // a Sec-WebSocket-Extensions field is there to parse

  explicit UpgradeFields(const HttpHeaders& headers) {
    // By length first: most fields are none of these, and no two of these share a length.
    for (const auto& [name, value] : headers.fields()) {
      switch (name.size()) {
        case 4:
          if (iequals(name, "Host")) host.see(value);
          break;
        case 7:
          if (iequals(name, "Upgrade"))
            upgrade_websocket = upgrade_websocket || list_contains(value, "websocket");
          break;
        case 10:
          if (iequals(name, "Connection"))
            connection_upgrade = connection_upgrade || list_contains(value, "Upgrade");
          break;
        case 17:
          if (iequals(name, "Sec-WebSocket-Key")) key.see(value);
          break;
        case 21:
          if (iequals(name, "Sec-WebSocket-Version")) version.see(value);
          break;
        case 22:
          subprotocols = subprotocols || iequals(name, "Sec-WebSocket-Protocol");
          break;
        case 24:
          extensions = extensions || iequals(name, "Sec-WebSocket-Extensions");
          break;
        default:
          break;
      }
    }
  }
};

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
  const UpgradeFields f(h);
  // RFC 6455 4.2.1 items 1-6, in order.
  if (request.method != "GET") return error_of(Rule::handshake_method_not_get);
  if (request.version_minor < 1) return error_of(Rule::handshake_http_version);
  if (f.host.count == 0) return error_of(Rule::handshake_missing_host);
  const auto host = f.host.single();
  if (!host) return error_of(Rule::handshake_repeated_host);
  if (!is_valid_host(*host)) return error_of(Rule::handshake_bad_host);
  if (!f.upgrade_websocket) return error_of(Rule::handshake_bad_upgrade);
  if (!f.connection_upgrade) return error_of(Rule::handshake_bad_connection);
  if (f.key.count == 0) return error_of(Rule::handshake_missing_key);
  const auto key = f.key.single();
  if (!key) return error_of(Rule::handshake_repeated_key);
  if (!is_valid_key(*key)) return error_of(Rule::handshake_bad_key);
  if (f.version.count == 0) return error_of(Rule::handshake_missing_version);
  const auto version = f.version.single();
  if (!version) return error_of(Rule::handshake_repeated_version);
  if (*version != websocket_version) return error_of(Rule::handshake_unsupported_version);
  Expected<AcceptedRequest> result(std::in_place);
  AcceptedRequest& accepted = *result;
  if (f.subprotocols) {
    auto protocols = parse_subprotocols(h);
    if (!protocols) return protocols.error();
    accepted.offered_subprotocols = std::move(protocols.value());
  }
  if (f.extensions) {
    for (const auto& [name, value] : h.fields()) {
      if (!iequals(name, "Sec-WebSocket-Extensions")) continue;
      if (!is_valid_extension_list(value)) return error_of(Rule::handshake_bad_extensions);
      std::string& list = accepted.offered_extension_list;
      if (!list.empty()) list += ", ";
      list += value;
    }
  }
  accepted.key = WebSocketKey(*key);
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
    if (auto deflate = accept_deflate_offer(accepted.offered_extensions(), *options.deflate)) {
      accepted.deflate = deflate->agreement;
      accepted.selected_extensions.push_back(std::move(deflate->response));
    }
  }
  return result;
}

std::vector<ExtensionOffer> AcceptedRequest::offered_extensions() const {
  auto offers = parse_extensions(offered_extension_list);  // valid: validate_request checked it
  return offers ? std::move(offers.value()) : std::vector<ExtensionOffer>{};
}

std::string build_accept_response(const AcceptedRequest& accepted) {
  // RFC 6455 4.2.2 step 5.
  std::array<char, accept_size> accept{};
  compute_accept(accepted.key, accept);
  const std::array<HttpField, 3> always = {
      HttpField{"Upgrade", "websocket"}, HttpField{"Connection", "Upgrade"},
      HttpField{"Sec-WebSocket-Accept", std::string_view(accept.data(), accept.size())}};
  // The common 101 allocates nothing but the answer itself.
  if (accepted.subprotocol.empty() && accepted.selected_extensions.empty()) {
    return serialize_response({101}, always);
  }
  std::vector<std::string> extensions;  // formatted here, viewed by `fields`
  for (const auto& extension : accepted.selected_extensions)
    extensions.push_back(format_extension(extension));
  std::vector<HttpField> fields(always.begin(), always.end());
  if (!accepted.subprotocol.empty())
    fields.emplace_back("Sec-WebSocket-Protocol", accepted.subprotocol);
  for (const auto& extension : extensions)
    fields.emplace_back("Sec-WebSocket-Extensions", extension);
  return serialize_response({101}, fields);
}

std::string build_reject_response(const Error& error) {
  const uint16_t status = error.http_status != 0 ? error.http_status : 400;
  std::array<HttpField, 4> headers;
  size_t n = 0;
  if (status == 426) headers[n++] = {"Upgrade", "websocket"};   // RFC 9110 15.5.22
  headers[n++] = {"Sec-WebSocket-Version", websocket_version};  // RFC 6455 4.4
  headers[n++] = {"Content-Type", "text/plain; charset=utf-8"};
  headers[n++] = {"Connection", "close"};
  std::string body(error.reason);
  body += '\n';
  return serialize_response({status}, std::span(headers.data(), n), body);
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

std::string ServerHandshake::reject(int status, std::vector<HttpField> headers,
                                    std::string_view body) const {
  if (status == 426) {
    if (!has_field(headers, "Upgrade")) headers.emplace_back("Upgrade", "websocket");
    if (!has_field(headers, "Sec-WebSocket-Version")) {
      headers.emplace_back("Sec-WebSocket-Version", websocket_version);
    }
  }
  if (!body.empty() && !has_field(headers, "Content-Type")) {
    headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  }
  headers.emplace_back("Connection", "close");
  return serialize_response({status}, headers, body);
}

}  // namespace wsprobe::codec
