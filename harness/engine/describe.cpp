#include "engine/describe.hpp"

#include <algorithm>
#include <cstdio>

#include "wsprobe/utf8.hpp"

namespace wsprobe::harness {

std::string describe_bytes(std::span<const uint8_t> bytes) {
  const bool printable =
      codec::is_valid_utf8(bytes) &&
      std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b >= 0x20 || b == '\t'; });
  std::string s;
  if (printable) {
    const size_t n = std::min<size_t>(bytes.size(), 64);
    s = "'" + std::string(bytes.begin(), bytes.begin() + static_cast<long>(n)) +
        (n < bytes.size() ? "...'" : "'");
  } else {
    char hex[4];
    for (size_t i = 0; i < std::min<size_t>(bytes.size(), 32); ++i) {
      (void)std::snprintf(hex, sizeof(hex), "%02x", bytes[i]);
      s += hex;
    }
    if (bytes.size() > 32) s += "...";
    s = "hex " + (s.empty() ? std::string("(empty)") : s);
  }
  return s + " (" + std::to_string(bytes.size()) + " bytes)";
}

std::string describe(const Expected& e) {
  switch (e.kind) {
    case Expected::Kind::text:
      return "text " + describe_bytes(e.payload);
    case Expected::Kind::binary:
      return "binary " + describe_bytes(e.payload);
    case Expected::Kind::ping:
      return "ping " + describe_bytes(e.payload);
    case Expected::Kind::pong:
      return "pong " + describe_bytes(e.payload);
    case Expected::Kind::timeout:
      return "still open after pause " + e.tag;
  }
  return "?";
}

std::string describe_frame(const codec::FrameHeader& h, std::span<const uint8_t> payload) {
  static const char* names[16] = {"continuation", "text", "binary", "op3",  "op4",  "op5",
                                  "op6",          "op7",  "close",  "ping", "pong", "op11",
                                  "op12",         "op13", "op14",   "op15"};
  std::string s = names[h.opcode & 0xF];
  if (!h.fin) s += " fin=0";
  if (h.rsv != 0) s += " rsv=" + std::to_string(h.rsv);
  if (!h.masked) s += " unmasked";
  return s + " " + describe_bytes(payload);
}

}  // namespace wsprobe::harness
