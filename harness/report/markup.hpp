#pragma once
// What the report writers share: escaping for XML and HTML, and writing a file.

#include <filesystem>
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

// Writes `text` to `path`; on failure sets `error` naming the file. Atomically: into PATH.tmp,
// then renamed over PATH, so a reader (or a kill mid-write: test-client rewrites its reports after
// every case) sees the old file or the new one, never a truncated one.
inline bool write_file(const std::string& path, std::string_view text, std::string& error) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    out.close();
    if (!out) {
      error = "cannot write " + tmp;
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    error = "cannot write " + path + ": " + ec.message();
    return false;
  }
  return true;
}

}  // namespace wsprobe::harness
