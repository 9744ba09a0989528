#include "engine/describe.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "wsprobe/utf8.hpp"

namespace wsprobe::harness {

namespace {

// Appends `prefix`, the first bytes of `total`, as many as shown (at least 64 when there are so
// many). One string grown in place: a flood describes every frame it gets.
void append_format(std::string& s, std::span<const uint8_t> prefix, size_t total, bool printable) {
  if (printable) {
    const size_t n = std::min<size_t>(prefix.size(), 64);
    s += '\'';
    s.append(reinterpret_cast<const char*>(prefix.data()), n);
    s += n < total ? "...'" : "'";
  } else {
    static constexpr char digits[] = "0123456789abcdef";
    const size_t n = std::min<size_t>(prefix.size(), 32);
    s += "hex ";
    if (n == 0) s += "(empty)";
    for (size_t i = 0; i < n; ++i) {
      s += digits[prefix[i] >> 4];
      s += digits[prefix[i] & 0xF];
    }
    if (total > 32) s += "...";
  }
  s += " (";
  s += std::to_string(total);
  s += " bytes)";
}

// A received message the tester kept only the start of (Receiver: its tag says the length).
std::string cut_note(const Expected& e) {
  return e.tag.empty() ? "" : ", cut from a message " + e.tag;
}

bool printable_byte(uint8_t b) {
  return b >= 0x20 || b == '\t';
}

void append_bytes(std::string& s, std::span<const uint8_t> bytes) {
  append_format(
      s, bytes, bytes.size(),
      codec::is_valid_utf8(bytes) && std::all_of(bytes.begin(), bytes.end(), printable_byte));
}

void append_payload(std::string& s, const Payload& p) {
  if (!p.generated()) return append_bytes(s, p.literal());
  // Printable when the repeated unit is printable ASCII: any cut of it is then text too.
  const auto unit = p.unit();
  const bool ascii = std::all_of(unit.begin(), unit.end(),
                                 [](uint8_t b) { return printable_byte(b) && b < 0x7f; });
  std::array<uint8_t, 64> prefix{};
  const auto shown = std::span(prefix).first(std::min<size_t>(p.size(), prefix.size()));
  p.read(0, shown);
  append_format(s, shown, p.size(), ascii);
}

// The longest description: a kind word, 64 characters quoted and a 20-digit length.
constexpr size_t described_size = 128;

}  // namespace

std::string describe_bytes(std::span<const uint8_t> bytes) {
  std::string s;
  s.reserve(described_size);
  append_bytes(s, bytes);
  return s;
}

std::string describe_payload(const Payload& p) {
  std::string s;
  s.reserve(described_size);
  append_payload(s, p);
  return s;
}

std::string describe(const Expected& e) {
  static constexpr const char* words[] = {"text ", "binary ", "ping ", "pong "};
  if (e.kind == Expected::Kind::timeout) return "still open after pause " + e.tag;
  std::string s;
  s.reserve(described_size);
  s += words[static_cast<int>(e.kind)];
  append_payload(s, e.payload);
  if (e.kind == Expected::Kind::text || e.kind == Expected::Kind::binary) s += cut_note(e);
  return s;
}

namespace {

std::string describe_run(const Expectations::Run& run, size_t copies) {
  return describe_copies(describe(run.event), copies, run.windows.get());
}

}  // namespace

std::string describe_copies(std::string line, size_t copies, const PayloadWindows* windows) {
  if (copies <= 1) return line;
  return std::to_string(copies) + " x " + line +
         (windows != nullptr ? " (this the first; each next one the next " +
                                   std::to_string(windows->window) + " bytes of the data set)"
                             : "");
}

std::vector<std::string> describe_runs(const Expectations& events) {
  std::vector<std::string> lines;
  for (const auto& run : events.runs())
    lines.push_back(describe_run(run, run.copies));
  return lines;
}

std::vector<std::string> describe_received(const Expectations& expected, size_t matched,
                                           const std::vector<Expected>& events) {
  matched = std::min({matched, expected.size(), events.size()});
  std::vector<std::string> lines;
  size_t left = matched;
  for (const auto& run : expected.runs()) {
    if (left == 0) break;
    const size_t copies = std::min(left, run.copies);
    lines.push_back(describe_run(run, copies));
    left -= copies;
  }
  auto rest = describe_runs(std::span<const Expected>(events).subspan(matched));
  lines.insert(lines.end(), std::make_move_iterator(rest.begin()),
               std::make_move_iterator(rest.end()));
  return lines;
}

std::vector<std::string> describe_runs(std::span<const Expected> events) {
  std::vector<std::string> lines;
  std::string last;
  size_t copies = 0;
  const auto flush = [&] {
    if (copies != 0) lines.push_back(copies == 1 ? last : std::to_string(copies) + " x " + last);
  };
  for (const auto& e : events) {
    std::string line = describe(e);
    if (copies != 0 && line == last) {
      ++copies;
      continue;
    }
    flush();
    last = std::move(line);
    copies = 1;
  }
  flush();
  return lines;
}

std::string describe_frame(const codec::FrameHeader& h, const Payload& payload, bool from_server) {
  static const char* names[16] = {"continuation", "text", "binary", "op3",  "op4",  "op5",
                                  "op6",          "op7",  "close",  "ping", "pong", "op11",
                                  "op12",         "op13", "op14",   "op15"};
  std::string s;
  s.reserve(described_size + 32);
  s += names[h.opcode & 0xF];
  if (!h.fin) s += " fin=0";
  if (h.rsv != 0) s += " rsv=" + std::to_string(h.rsv);
  if (!h.masked) s += from_server ? " masked" : " unmasked";
  s += ' ';
  append_payload(s, payload);
  return s;
}

}  // namespace wsprobe::harness
