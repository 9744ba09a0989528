#include "wsprobe/handshake.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>

#include "ascii.hpp"

namespace wsprobe::codec {
namespace {

std::string base64(std::span<const uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// SHA-1 with the digest fetched once and the context reused: in OpenSSL 3 the one-shot API pays
// for an implicit fetch and allocation on every call, 2-3 times the digest itself.
struct Sha1 {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Sha1() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
  Sha1() = default;
  Sha1(const Sha1&) = delete;
  Sha1& operator=(const Sha1&) = delete;
};

bool contains_token(const HttpHeaders& headers, std::string_view name, std::string_view token) {
  for (const auto& field : headers.fields) {
    if (!iequals(field.name, name)) continue;
    for (std::string_view item : split_list(field.value)) {
      if (iequals(item, token)) return true;
    }
  }
  return false;
}

using ascii::is_token;

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

// Parses `name *( ";" param )` elements separated by commas (RFC 6455 9.1), where a param is
// `token [ "=" ( token | quoted-string ) ]`.
class ExtensionScanner {
 public:
  explicit ExtensionScanner(std::string_view s) : s_(s) {}

  bool parse(std::vector<ExtensionOffer>& out) {
    for (;;) {
      skip_ows();
      if (at_end()) return true;
      if (peek() == ',') {  // RFC 9110 5.6.1: empty list elements are allowed and ignored
        ++i_;
        continue;
      }
      ExtensionOffer offer;
      if (!token(offer.name)) return false;
      for (;;) {
        skip_ows();
        if (at_end() || peek() == ',') break;
        if (peek() != ';') return false;
        ++i_;
        skip_ows();
        std::string name;
        std::string value;
        if (!token(name)) return false;
        skip_ows();
        if (!at_end() && peek() == '=') {
          ++i_;
          skip_ows();
          const bool is_quoted = !at_end() && peek() == '"';
          if (is_quoted ? !quoted(value) : !token(value)) return false;
        }
        offer.params.emplace_back(std::move(name), std::move(value));
      }
      out.push_back(std::move(offer));
    }
  }

 private:
  [[nodiscard]] bool at_end() const { return i_ >= s_.size(); }
  [[nodiscard]] char peek() const { return s_[i_]; }
  void skip_ows() {
    while (!at_end() && (peek() == ' ' || peek() == '\t'))
      ++i_;
  }
  bool token(std::string& out) {
    const size_t start = i_;
    while (!at_end() && ascii::is(peek(), ascii::tchar))
      ++i_;
    out.assign(s_.substr(start, i_ - start));
    return !out.empty();
  }
  bool quoted(std::string& out) {
    ++i_;  // opening quote
    while (!at_end() && peek() != '"') {
      if (peek() == '\\') ++i_;
      if (at_end()) return false;
      out.push_back(peek());
      ++i_;
    }
    if (at_end()) return false;
    ++i_;  // closing quote
    // RFC 6455 9.1: a quoted value must itself be a token once unquoted.
    return is_token(out);
  }

  std::string_view s_;
  size_t i_ = 0;
};

// The statuses validate_request() and the head parser produce.
const char* status_text(uint16_t status) {
  switch (status) {
    case 426:
      return "Upgrade Required";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return "Bad Request";
  }
}

}  // namespace

std::string compute_accept(std::string_view key) {
  thread_local Sha1 sha1;
  std::array<uint8_t, 20> digest{};
  unsigned int len = 0;
  EVP_DigestInit_ex(sha1.ctx, sha1.md, nullptr);
  EVP_DigestUpdate(sha1.ctx, key.data(), key.size());
  EVP_DigestUpdate(sha1.ctx, websocket_guid.data(), websocket_guid.size());
  EVP_DigestFinal_ex(sha1.ctx, digest.data(), &len);
  return base64(digest);
}

std::string generate_key(const RandomSource& random) {
  std::array<uint8_t, 16> nonce{};
  random(nonce);
  return base64(nonce);
}

bool is_valid_key(std::string_view key) {
  // 16 bytes are 22 base64 characters and "==" of padding; the 22nd character carries 2 bits of
  // data and 4 zero bits, so only A, Q, g and w are canonical (RFC 4648 3.5).
  if (key.size() != 24 || key.substr(22) != "==") return false;
  return ascii::all_of(key.substr(0, 22), ascii::base64) &&
         std::string_view("AQgw").find(key[21]) != std::string_view::npos;
}

Expected<std::vector<ExtensionOffer>> parse_extensions(const HttpHeaders& headers) {
  std::vector<ExtensionOffer> offers;
  for (const auto& field : headers.fields) {
    if (!iequals(field.name, "Sec-WebSocket-Extensions")) continue;
    if (!ExtensionScanner(field.value).parse(offers)) {
      return http_error(400, "RFC 6455 9.1: malformed Sec-WebSocket-Extensions");
    }
  }
  return offers;
}

Expected<std::vector<std::string>> parse_subprotocols(const HttpHeaders& headers) {
  std::vector<std::string> protocols;
  for (const auto& field : headers.fields) {
    if (!iequals(field.name, "Sec-WebSocket-Protocol")) continue;
    for (std::string_view item : split_list(field.value)) {
      if (!is_token(item)) return http_error(400, "RFC 6455 4.1: subprotocol is not a token");
      protocols.emplace_back(item);
    }
  }
  return protocols;
}

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
  if (request.method != "GET") return http_error(400, "RFC 6455 4.1: the method must be GET");
  if (request.version_minor < 1)
    return http_error(400, "RFC 6455 4.1: HTTP/1.1 or higher required");
  const auto host = h.single("Host");
  if (h.count("Host") == 0) return http_error(400, "RFC 6455 4.1: missing Host");
  if (!host) return http_error(400, "RFC 9112 3.2: more than one Host");
  if (!is_valid_host(*host)) return http_error(400, "RFC 9112 3.2: malformed Host");
  if (!contains_token(h, "Upgrade", "websocket")) {
    return http_error(400, "RFC 6455 4.2.1: Upgrade must include websocket");
  }
  if (!contains_token(h, "Connection", "Upgrade")) {
    return http_error(400, "RFC 6455 4.2.1: Connection must include Upgrade");
  }
  const auto key = h.single("Sec-WebSocket-Key");
  if (h.count("Sec-WebSocket-Key") == 0) {
    return http_error(400, "RFC 6455 4.2.1: missing Sec-WebSocket-Key");
  }
  if (!key) return http_error(400, "RFC 6455 11.3.1: more than one Sec-WebSocket-Key");
  if (!is_valid_key(*key)) {
    return http_error(400, "RFC 6455 4.2.1: Sec-WebSocket-Key is not base64 of 16 bytes");
  }
  const auto version = h.single("Sec-WebSocket-Version");
  if (h.count("Sec-WebSocket-Version") == 0) {
    return http_error(400, "RFC 6455 4.2.1: missing Sec-WebSocket-Version");
  }
  if (!version) return http_error(400, "RFC 6455 11.3.5: more than one Sec-WebSocket-Version");
  if (*version != websocket_version) {
    return http_error(426, "RFC 6455 4.4: unsupported Sec-WebSocket-Version (13 only)");
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
  return accepted;
}

std::string build_accept_response(const AcceptedRequest& accepted) {
  std::string out =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ";
  out += compute_accept(accepted.key);
  out += "\r\n";
  if (!accepted.subprotocol.empty()) {
    out += "Sec-WebSocket-Protocol: ";
    out += accepted.subprotocol;
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

std::string build_reject_response(const Error& error) {
  const uint16_t status = error.http_status != 0 ? error.http_status : 400;
  std::string body(error.reason);
  body += '\n';
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + status_text(status) + "\r\n";
  if (status == 426) out += "Upgrade: websocket\r\n";  // RFC 9110 15.5.22: 426 names the protocol
  out += "Sec-WebSocket-Version: 13\r\n";              // RFC 6455 4.4
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "Connection: close\r\n\r\n";
  out += body;
  return out;
}

ClientRequest build_request(const ClientOptions& options, const RandomSource& random) {
  ClientRequest req;
  req.key = generate_key(random);
  std::string& out = req.bytes;
  out = "GET " + options.target + " HTTP/1.1\r\n";
  out += "Host: " + options.host + "\r\n";
  out += "Upgrade: websocket\r\nConnection: Upgrade\r\n";
  out += "Sec-WebSocket-Key: " + req.key + "\r\n";
  out += "Sec-WebSocket-Version: 13\r\n";
  auto joined = [](const std::vector<std::string>& items) {
    std::string s;
    for (const auto& item : items)
      s += (s.empty() ? "" : ", ") + item;
    return s;
  };
  if (!options.subprotocols.empty()) {
    out += "Sec-WebSocket-Protocol: " + joined(options.subprotocols) + "\r\n";
  }
  if (!options.extensions.empty()) {
    out += "Sec-WebSocket-Extensions: " + joined(options.extensions) + "\r\n";
  }
  for (const auto& header : options.extra_headers)
    out += header.name + ": " + header.value + "\r\n";
  out += "\r\n";
  return req;
}

Expected<AcceptedResponse> validate_response(const HttpResponse& response, std::string_view key,
                                             const ClientOptions& offered) {
  const HttpHeaders& h = response.headers;
  // RFC 6455 4.1, the client's checks on the server's handshake, in order.
  if (response.status != 101) return protocol_error("RFC 6455 4.1: status is not 101");
  if (response.version_minor < 1)
    return protocol_error("RFC 6455 4.1: HTTP/1.1 or higher required");
  const auto upgrade = h.single("Upgrade");
  if (!upgrade || !iequals(*upgrade, "websocket")) {
    return protocol_error("RFC 6455 4.1: Upgrade is not exactly websocket");
  }
  if (!contains_token(h, "Connection", "Upgrade")) {
    return protocol_error("RFC 6455 4.1: Connection does not include Upgrade");
  }
  const auto accept = h.single("Sec-WebSocket-Accept");
  if (!accept) return protocol_error("RFC 6455 4.1: missing or repeated Sec-WebSocket-Accept");
  if (*accept != compute_accept(key))
    return protocol_error("RFC 6455 4.1: wrong Sec-WebSocket-Accept");

  AcceptedResponse accepted;
  const size_t protocol_fields = h.count("Sec-WebSocket-Protocol");
  if (protocol_fields > 1)
    return protocol_error("RFC 6455 4.1: more than one subprotocol selected");
  if (protocol_fields == 1) {
    const std::string_view chosen = *h.single("Sec-WebSocket-Protocol");
    const auto& mine = offered.subprotocols;
    if (std::find(mine.begin(), mine.end(), chosen) == mine.end()) {
      return protocol_error("RFC 6455 4.1: server selected a subprotocol the client did not offer");
    }
    accepted.subprotocol = chosen;
  }
  auto extensions = parse_extensions(h);
  if (!extensions) return protocol_error("RFC 6455 9.1: malformed Sec-WebSocket-Extensions");
  HttpHeaders offers;
  for (const auto& raw : offered.extensions)
    offers.fields.push_back({"Sec-WebSocket-Extensions", raw});
  const auto offered_list = parse_extensions(offers);
  const auto& selected = extensions.value();
  for (size_t i = 0; i < selected.size(); ++i) {
    const auto& ext = selected[i];
    for (size_t j = 0; j < i; ++j) {
      if (selected[j].name == ext.name) {
        return protocol_error("RFC 6455 9.1: server selected the same extension twice");
      }
    }
    const bool was_offered =
        offered_list && std::any_of(offered_list->begin(), offered_list->end(),
                                    [&](const ExtensionOffer& o) { return o.name == ext.name; });
    if (!was_offered) {
      return protocol_error("RFC 6455 4.1: server selected an extension the client did not offer");
    }
  }
  accepted.extensions = std::move(extensions.value());
  return accepted;
}

}  // namespace wsprobe::codec
