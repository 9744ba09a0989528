#pragma once
// Escaping for the XML and HTML reports.

#include <string>
#include <string_view>

namespace wsprobe::harness {

// Escapes &, <, >, " and ', and replaces control characters (not allowed in XML 1.0) with '?'.
inline std::string escape_markup(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t') ? '?' : ch;
    }
  }
  return out;
}

}  // namespace wsprobe::harness
