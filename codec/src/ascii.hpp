#pragma once
// Character classes for HTTP parsing, as 256-entry tables: no locale, no call per byte.

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>

namespace wsprobe::codec::ascii {

enum : uint8_t { alpha = 1, digit = 2, tchar = 4, hex = 8, base64 = 16, hostchar = 32 };

consteval std::array<uint8_t, 256> make_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    uint8_t k = 0;
    const bool is_alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool is_digit = c >= '0' && c <= '9';
    if (is_alpha) k |= alpha;
    if (is_digit) k |= digit;
    // RFC 9110 5.6.2: tchar.
    if (is_alpha || is_digit ||
        std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos) {
      k |= tchar;
    }
    if (is_digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) k |= hex;
    if (is_alpha || is_digit || c == '+' || c == '/') k |= base64;
    // RFC 3986 3.2.2 reg-name: unreserved / pct-encoded / sub-delims.
    if (is_alpha || is_digit ||
        std::string_view("-._~!$&'()*+,;=%").find(static_cast<char>(c)) != std::string_view::npos) {
      k |= hostchar;
    }
    t[static_cast<size_t>(c)] = k;
  }
  return t;
}

inline constexpr std::array<uint8_t, 256> classes = make_classes();

constexpr bool is(char c, uint8_t cls) {
  return (classes[static_cast<uint8_t>(c)] & cls) != 0;
}

// A byte that may not appear inside a header line: a control character other than HTAB, or DEL
// (RFC 9110 5.5).
constexpr bool is_field_ctl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7F;
}

// Without an early exit, so the loop is one AND per byte and unrolls: the strings it checks
// (header names, keys, hosts) are short and nearly always pass.
constexpr bool all_of(std::string_view s, uint8_t cls) {
  uint8_t all = cls;
  for (const char c : s)
    all &= classes[static_cast<uint8_t>(c)];
  return all != 0;
}

// The length of the run of tchars (RFC 9110 5.6.2) that `s` starts with: eight bytes a step
// while they are all tchars, one test for the eight rather than one branch each.
constexpr size_t tchar_prefix(std::string_view s) {
  size_t i = 0;
  while (i + 8 <= s.size() && all_of(s.substr(i, 8), tchar))
    i += 8;
  while (i < s.size() && is(s[i], tchar))
    ++i;
  return i;
}

constexpr bool is_token(std::string_view s) {
  return !s.empty() && all_of(s, tchar);
}

constexpr char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

}  // namespace wsprobe::codec::ascii
