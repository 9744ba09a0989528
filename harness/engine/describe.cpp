#include "engine/describe.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "wsprobe/utf8.hpp"

namespace wsprobe::harness {

namespace {

// `prefix`: the first bytes of `total`, as many as shown (at least 64 when there are so many).
std::string format(std::span<const uint8_t> prefix, size_t total, bool printable) {
  std::string s;
  if (printable) {
    const size_t n = std::min<size_t>(prefix.size(), 64);
    s = "'" + std::string(prefix.begin(), prefix.begin() + static_cast<long>(n)) +
        (n < total ? "...'" : "'");
  } else {
    char hex[4];
    for (size_t i = 0; i < std::min<size_t>(prefix.size(), 32); ++i) {
      (void)std::snprintf(hex, sizeof(hex), "%02x", prefix[i]);
      s += hex;
    }
    if (total > 32) s += "...";
    s = "hex " + (s.empty() ? std::string("(empty)") : s);
  }
  return s + " (" + std::to_string(total) + " bytes)";
}

// A received message the tester kept only the start of (Receiver: its tag says the length).
std::string cut_note(const Expected& e) {
  return e.tag.empty() ? "" : ", cut from a message " + e.tag;
}

bool printable_byte(uint8_t b) {
  return b >= 0x20 || b == '\t';
}

}  // namespace

std::string describe_bytes(std::span<const uint8_t> bytes) {
  return format(
      bytes, bytes.size(),
      codec::is_valid_utf8(bytes) && std::all_of(bytes.begin(), bytes.end(), printable_byte));
}

std::string describe_payload(const Payload& p) {
  if (!p.generated()) return describe_bytes(p.literal());
  // Printable when the repeated unit is printable ASCII: any cut of it is then text too.
  const auto unit = p.unit();
  const bool ascii = std::all_of(unit.begin(), unit.end(),
                                 [](uint8_t b) { return printable_byte(b) && b < 0x7f; });
  std::vector<uint8_t> prefix(std::min<size_t>(p.size(), 64));
  p.read(0, prefix);
  return format(prefix, p.size(), ascii);
}

std::string describe(const Expected& e) {
  switch (e.kind) {
    case Expected::Kind::text:
      return "text " + describe_payload(e.payload) + cut_note(e);
    case Expected::Kind::binary:
      return "binary " + describe_payload(e.payload) + cut_note(e);
    case Expected::Kind::ping:
      return "ping " + describe_payload(e.payload);
    case Expected::Kind::pong:
      return "pong " + describe_payload(e.payload);
    case Expected::Kind::timeout:
      return "still open after pause " + e.tag;
  }
  return "?";
}

std::vector<std::string> describe_runs(const Expectations& events) {
  std::vector<std::string> lines;
  for (const auto& run : events.runs()) {
    std::string line = describe(run.event);
    if (run.copies > 1) {
      line = std::to_string(run.copies) + " x " + line +
             (run.windows ? " (this the first; each next one the next " +
                                std::to_string(run.windows->window) + " bytes of the data set)"
                          : "");
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string describe_frame(const codec::FrameHeader& h, const Payload& payload, bool from_server) {
  static const char* names[16] = {"continuation", "text", "binary", "op3",  "op4",  "op5",
                                  "op6",          "op7",  "close",  "ping", "pong", "op11",
                                  "op12",         "op13", "op14",   "op15"};
  std::string s = names[h.opcode & 0xF];
  if (!h.fin) s += " fin=0";
  if (h.rsv != 0) s += " rsv=" + std::to_string(h.rsv);
  if (!h.masked) s += from_server ? " masked" : " unmasked";
  return s + " " + describe_payload(payload);
}

}  // namespace wsprobe::harness
