#pragma once
// What the report writers share: escaping for XML and HTML, and writing a file.

#include <fstream>
#include <string>
#include <string_view>

namespace wsprobe::harness {

// Escapes &, <, >, " and ', and shows control characters (not allowed in XML 1.0) as their
// Unicode control pictures (CR as U+240D "␍"), so a reader sees which byte it was.
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
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t') {
          out += "\xE2\x90";  // U+2400 + ch, in UTF-8
          out += static_cast<char>(0x80 + ch);
        } else {
          out += ch;
        }
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
