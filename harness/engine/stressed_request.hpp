#pragma once
// Handshake stress (robustness 20.7; RFC 9110 5.4, RFC 9112 3): an opening handshake made too
// large to hold, by a request-target padded to a size and header lines spliced in before the
// head's end. The lines are made as they are written, so a 64 MiB head costs the tester a piece.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/catalogue.hpp"

namespace wsprobe::harness {

// `target` with a query parameter of 'a's appended so that it is `size` bytes long; unchanged
// when it is that long already.
std::string padded_target(const std::string& target, size_t size);

// Whether the case's request has fill lines or a padded target.
bool stressed(const HandshakeSpec& spec);

// The size of a head of `head_size` bytes once the spec's lines are spliced in.
uint64_t stressed_size(size_t head_size, const HandshakeSpec& spec);

// The head `head` (a request ending in CRLF CRLF) with spec.fill_lines lines of
// spec.fill_line_size bytes each ("X-Fill-0001: aaa...", numbered alike so that every line has
// the same size) spliced in before its last CRLF, handed out in pieces of about `piece` bytes.
class StressedHead {
 public:
  StressedHead(std::string_view head, const HandshakeSpec& spec, size_t piece = 65536);

  [[nodiscard]] uint64_t size() const { return size_; }
  // The next piece; empty at the end. Valid until the next call.
  std::span<const uint8_t> next();

 private:
  std::string_view head_;
  size_t lines_;
  size_t line_size_;
  size_t piece_;
  uint64_t size_;
  uint64_t at_ = 0;  // bytes handed out
  std::vector<uint8_t> buf_;
  std::string line_;  // the current line, made once per line number
  size_t line_number_ = SIZE_MAX;

  void append_line_bytes(size_t n, uint64_t offset);
};

}  // namespace wsprobe::harness
