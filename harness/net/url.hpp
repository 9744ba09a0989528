#pragma once
// ws:// and wss:// URLs (RFC 6455 3).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wsprobe::harness {

struct Url {
  bool tls = false;
  std::string host;  // without brackets for IPv6
  uint16_t port = 0;
  std::string target = "/";  // path and query

  // The Host header value: the port is left out when it is the scheme's default.
  [[nodiscard]] std::string host_header() const;
  [[nodiscard]] std::string str() const;
};

// Parses "ws://host[:port][/path]" or "wss://...". On failure returns nullopt and sets `error`.
std::optional<Url> parse_url(std::string_view text, std::string& error);

}  // namespace wsprobe::harness
