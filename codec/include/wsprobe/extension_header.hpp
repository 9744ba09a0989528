#pragma once
// The negotiation headers' grammar: Sec-WebSocket-Extensions (RFC 6455 9.1: extension names with
// parameters, a value being an RFC 7230 token or quoted-string) and Sec-WebSocket-Protocol
// (RFC 6455 4.1: a list of tokens). Negotiation itself (what to choose) lives with each role.

#include <string>
#include <utility>
#include <vector>

#include "wsprobe/error.hpp"
#include "wsprobe/http.hpp"

namespace wsprobe::codec {

// One element of Sec-WebSocket-Extensions: a name and its parameters (RFC 6455 9.1).
struct ExtensionOffer {
  std::string name;
  std::vector<std::pair<std::string, std::string>> params;  // value empty when absent
  friend bool operator==(const ExtensionOffer&, const ExtensionOffer&) = default;
};

// Every element of every Sec-WebSocket-Extensions field, in order. Errors carry 400.
Expected<std::vector<ExtensionOffer>> parse_extensions(const HttpHeaders& headers);
// The elements of one list, as a field's value or several joined by ", " (RFC 9110 5.3).
Expected<std::vector<ExtensionOffer>> parse_extensions(std::string_view list);
// True when parse_extensions(list) would succeed; builds nothing.
bool is_valid_extension_list(std::string_view list);
// One element as written in Sec-WebSocket-Extensions: "name; param; param=value" (RFC 6455 9.1;
// values are written as given, so they must be tokens).
std::string format_extension(const ExtensionOffer& element);
// Sec-WebSocket-Protocol tokens of every field, in order (RFC 6455 4.1, 11.3.4). Errors carry 400.
Expected<std::vector<std::string>> parse_subprotocols(const HttpHeaders& headers);

}  // namespace wsprobe::codec
