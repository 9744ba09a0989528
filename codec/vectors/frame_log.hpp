#pragma once
// Runs bytes through a FrameParser in chosen pieces and records what came out, with each frame's
// payload pieces joined: the log must not depend on where the input was split.

#include <algorithm>
#include <optional>
#include <span>
#include <vector>

#include "wsprobe/frame_parser.hpp"

namespace wsprobe::vectors {

struct ParsedFrame {
  codec::FrameHeader header;
  std::vector<uint8_t> payload;
  friend bool operator==(const ParsedFrame&, const ParsedFrame&) = default;
};

struct FrameLog {
  std::vector<ParsedFrame> frames;    // complete frames, in order
  std::optional<codec::Error> error;  // the failure, if any
  bool mid_frame = false;             // input ended inside a frame
  friend bool operator==(const FrameLog&, const FrameLog&) = default;
};

// Feeds `bytes` cut at the given offsets (ascending).
inline FrameLog parse_pieces(codec::FrameParserOptions options, std::span<const uint8_t> bytes,
                             const std::vector<size_t>& cuts) {
  codec::FrameParser parser(options);
  FrameLog log;
  std::optional<ParsedFrame> current;
  std::vector<uint8_t> buffer;
  size_t from = 0;
  for (size_t k = 0; k <= cuts.size() && !log.error; ++k) {
    const size_t to = k < cuts.size() ? std::min(cuts[k], bytes.size()) : bytes.size();
    buffer.assign(bytes.begin() + static_cast<std::ptrdiff_t>(from),
                  bytes.begin() + static_cast<std::ptrdiff_t>(to));
    from = to;
    std::span<uint8_t> in(buffer);
    for (;;) {
      const codec::FrameEvent ev = parser.next(in);
      using Kind = codec::FrameEvent::Kind;
      if (ev.kind == Kind::need_more) break;
      if (ev.kind == Kind::error) {
        log.error = *ev.error;
        break;
      }
      if (ev.kind == Kind::header) current = ParsedFrame{*ev.header, {}};
      if (ev.kind == Kind::payload) {
        current->payload.insert(current->payload.end(), ev.payload.begin(), ev.payload.end());
      }
      if (ev.kind == Kind::end) {
        log.frames.push_back(std::move(*current));
        current.reset();
      }
    }
  }
  log.mid_frame = current.has_value() || !parser.at_frame_boundary();
  if (log.error) log.mid_frame = false;
  return log;
}

// Feeds `bytes` in pieces of `chunk` bytes.
inline FrameLog parse_chunked(codec::FrameParserOptions options, std::span<const uint8_t> bytes,
                              size_t chunk) {
  std::vector<size_t> cuts;
  for (size_t at = chunk; at < bytes.size(); at += chunk)
    cuts.push_back(at);
  return parse_pieces(options, bytes, cuts);
}

inline FrameLog parse_whole(codec::FrameParserOptions options, std::span<const uint8_t> bytes) {
  return parse_pieces(options, bytes, {});
}

}  // namespace wsprobe::vectors
