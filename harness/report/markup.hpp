#pragma once
// What the report writers share: escaping for XML and HTML, and writing a file.

#include <fstream>
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

// Writes `text` to `path`; on failure sets `error` naming the file.
inline bool write_file(const std::string& path, std::string_view text, std::string& error) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace wsprobe::harness
