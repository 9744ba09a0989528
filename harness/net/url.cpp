#include "net/url.hpp"

#include <charconv>

namespace wsprobe::harness {

std::string Url::host_header() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) h += ":" + std::to_string(port);
  return h;
}

std::string Url::str() const {
  return std::string(tls ? "wss://" : "ws://") + host_header() + target;
}

std::optional<Url> parse_url(std::string_view text, std::string& error) {
  Url url;
  if (text.starts_with("ws://")) {
    text.remove_prefix(5);
  } else if (text.starts_with("wss://")) {
    url.tls = true;
    text.remove_prefix(6);
  } else {
    error = "URL must start with ws:// or wss://";
    return std::nullopt;
  }
  const size_t slash = text.find_first_of("/?#");
  std::string_view authority = text.substr(0, slash);
  if (slash != std::string_view::npos) {
    url.target = std::string(text.substr(slash));
    if (url.target.front() != '/') url.target.insert(0, "/");
    // RFC 6455 3: fragments are not allowed in WebSocket URIs.
    if (url.target.find('#') != std::string::npos) {
      error = "URL must not contain a fragment (#)";
      return std::nullopt;
    }
  }
  std::string_view port;
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "unterminated IPv6 address in URL";
      return std::nullopt;
    }
    url.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (authority.starts_with(":")) port = authority.substr(1);
  } else {
    const size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) {
    error = "URL has no host";
    return std::nullopt;
  }
  url.port = url.tls ? 443 : 80;
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      error = "invalid port in URL: " + std::string(port);
      return std::nullopt;
    }
    url.port = static_cast<uint16_t>(value);
  }
  return url;
}

}  // namespace wsprobe::harness
