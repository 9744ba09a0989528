#pragma once
// Runs bytes through a FrameParser in chosen pieces and records what came out, with each frame's
// payload pieces joined: the log must not depend on where the input was split.

#include <sanitizer/asan_interface.h>  // no-op macros unless built with AddressSanitizer

#include <algorithm>
#include <cstring>
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

// The loops below are oracle code, not code under test: they are left out of the fuzz targets'
// coverage instrumentation (the codec they call keeps it), where each comparison in them would
// cost a call per byte replayed (clang's no_sanitize("coverage"), clang 13 and up).
#if defined(__clang__) && __clang_major__ >= 13
#define WSPROBE_ORACLE_LOOP __attribute__((no_sanitize("coverage")))
#else
#define WSPROBE_ORACLE_LOOP
#endif

// A FrameParser fed `bytes` cut at the given offsets (ascending), one event at a time. The input
// is copied once (the parser unmasks in place) and handed out a piece at a time; under ASan the
// bytes not yet handed out are poisoned, so a parser that reads past the end of its piece is
// caught as it would be with a fresh buffer per piece, without a copy per piece.
class PieceFeeder {
 public:
  PieceFeeder(codec::FrameParserOptions options, std::span<const uint8_t> bytes,
              std::span<const size_t> cuts)
      : parser_(options), copy_(bytes.begin(), bytes.end()), cuts_(cuts) {
    ASAN_POISON_MEMORY_REGION(copy_.data(), copy_.size());
  }
  ~PieceFeeder() { ASAN_UNPOISON_MEMORY_REGION(copy_.data(), copy_.size()); }
  PieceFeeder(const PieceFeeder&) = delete;
  PieceFeeder& operator=(const PieceFeeder&) = delete;

  // The next event; need_more once every piece is read (or after an error, the error again).
  WSPROBE_ORACLE_LOOP codec::FrameEvent next() {
    for (;;) {
      const codec::FrameEvent ev = parser_.next(in_);
      if (ev.kind != codec::FrameEvent::Kind::need_more || fed_ == copy_.size()) return ev;
      const size_t to =
          k_ < cuts_.size() ? std::clamp(cuts_[k_], fed_, copy_.size()) : copy_.size();
      ++k_;
      ASAN_UNPOISON_MEMORY_REGION(copy_.data() + fed_, to - fed_);
      in_ = std::span(copy_).subspan(fed_, to - fed_);
      fed_ = to;
    }
  }
  [[nodiscard]] const codec::FrameParser& parser() const { return parser_; }

 private:
  codec::FrameParser parser_;
  std::vector<uint8_t> copy_;
  std::span<const size_t> cuts_;
  size_t k_ = 0;           // the next cut
  size_t fed_ = 0;         // bytes handed out
  std::span<uint8_t> in_;  // what is left of the current piece
};

// Feeds `bytes` cut at the given offsets (ascending).
WSPROBE_ORACLE_LOOP inline FrameLog parse_pieces(codec::FrameParserOptions options,
                                                 std::span<const uint8_t> bytes,
                                                 const std::vector<size_t>& cuts) {
  using Kind = codec::FrameEvent::Kind;
  PieceFeeder feeder(options, bytes, cuts);
  FrameLog log;
  std::optional<ParsedFrame> current;
  size_t left = bytes.size();  // bytes not yet seen: what a frame's payload may still hold
  for (auto ev = feeder.next(); ev.kind != Kind::need_more; ev = feeder.next()) {
    if (ev.kind == Kind::error) {
      log.error = *ev.error;
      return log;  // mid_frame stays false: the stream failed
    }
    if (ev.kind == Kind::header) {
      current = ParsedFrame{*ev.header, {}};
      // One allocation per frame, bounded by what arrived, never by what the header claims.
      current->payload.reserve(
          static_cast<size_t>(std::min<uint64_t>(ev.header->payload_length, left)));
    }
    if (ev.kind == Kind::payload) {
      current->payload.insert(current->payload.end(), ev.payload.begin(), ev.payload.end());
      left -= ev.payload.size();
    }
    if (ev.kind == Kind::end) {
      log.frames.push_back(std::move(*current));
      current.reset();
    }
  }
  log.mid_frame = current.has_value() || !feeder.parser().at_frame_boundary();
  return log;
}

// Whether feeding `bytes` cut at the given offsets gives exactly `expected`, i.e. whether
// parse_pieces(options, bytes, cuts) == expected. Each event is compared as it comes, so nothing
// is copied or allocated beyond the input's copy: the fuzz targets run this for every input,
// with a read boundary after every byte. `Log` is a FrameLog or a lighter record with the same
// members (frames with a header and a payload range, error, mid_frame): a fuzz target's record
// of the frames it parsed whole, their payloads viewed where they were unmasked.
template <class Log>
WSPROBE_ORACLE_LOOP bool pieces_match(codec::FrameParserOptions options,
                                      std::span<const uint8_t> bytes, std::span<const size_t> cuts,
                                      const Log& expected) {
  using Kind = codec::FrameEvent::Kind;
  PieceFeeder feeder(options, bytes, cuts);
  size_t frame = 0;     // the frame being read, an index in expected.frames
  size_t received = 0;  // its payload bytes so far
  bool in_frame = false;
  for (auto ev = feeder.next(); ev.kind != Kind::need_more; ev = feeder.next()) {
    if (ev.kind == Kind::error) {
      return frame == expected.frames.size() && expected.error == *ev.error && !expected.mid_frame;
    }
    // A frame past expected.frames is one the input ends inside (FrameLog keeps no trace of
    // it), or a frame too many, found at its end.
    const auto* want = frame < expected.frames.size() ? &expected.frames[frame] : nullptr;
    if (ev.kind == Kind::header) {
      if (want != nullptr && *ev.header != want->header) return false;
      in_frame = true;
      received = 0;
    }
    if (ev.kind == Kind::payload) {
      if (want != nullptr &&
          (ev.payload.size() > want->payload.size() - received ||
           !std::equal(ev.payload.begin(), ev.payload.end(),
                       want->payload.begin() + static_cast<std::ptrdiff_t>(received)))) {
        return false;
      }
      received += ev.payload.size();
    }
    if (ev.kind == Kind::end) {
      if (want == nullptr || received != want->payload.size()) return false;
      ++frame;
      in_frame = false;
    }
  }
  const bool mid_frame = in_frame || !feeder.parser().at_frame_boundary();
  return frame == expected.frames.size() && !expected.error && mid_frame == expected.mid_frame;
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
