#pragma once
// Incremental frame parser (RFC 6455 5.2-5.5). Fed bytes split anywhere, many frames per buffer.
// It yields one event at a time: a frame header, pieces of unmasked payload, the end of a frame,
// or the error that fails the connection. Frame-level rules are checked at the header, before
// any payload is read: reserved opcodes, RSV bits without an extension, control frames (<= 125
// bytes, FIN set), mask direction per role, the frame-size limit. Nothing is allocated for a
// claimed length; payload is never buffered here.

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "wsprobe/error.hpp"
#include "wsprobe/frame_header.hpp"

namespace wsprobe::codec {

enum class Role : uint8_t { client, server };

struct FrameParserOptions {
  Role role = Role::server;  // a server requires masked frames, a client unmasked (RFC 6455 5.1)
  uint8_t allowed_rsv = 0;   // RSV bits a negotiated extension defines (RFC 6455 5.2)
  uint64_t max_frame_size = UINT64_MAX >> 1;  // larger frames fail with 1009
};

// Small and trivially copyable: the header and error live in the parser, and the pointers stay
// valid until the next frame's header (the error for good).
struct FrameEvent {
  enum class Kind : uint8_t { need_more, header, payload, end, error };
  Kind kind = Kind::need_more;
  const FrameHeader* header = nullptr;  // header, payload, end: the current frame's header
  std::span<uint8_t> payload;           // payload: unmasked bytes, pointing into the input
  const Error* error = nullptr;         // error
};

class FrameParser {
 public:
  explicit FrameParser(FrameParserOptions options = {}) : options_(options) {}

  // Consumes bytes from the front of `input` (advancing it) and returns the next event.
  // Payload is unmasked in place. need_more means `input` is exhausted. After an error the
  // parser stays failed and returns the same error without consuming anything.
  FrameEvent next(std::span<uint8_t>& input);

  void set_allowed_rsv(uint8_t bits) { options_.allowed_rsv = bits; }
  [[nodiscard]] const FrameParserOptions& options() const { return options_; }
  [[nodiscard]] bool failed() const { return phase_ == Phase::failed; }
  // True between frames: an EOF here is clean at the frame level.
  [[nodiscard]] bool at_frame_boundary() const {
    return phase_ == Phase::header && spill_size_ == 0;
  }

 private:
  enum class Phase : uint8_t { header, payload, end, failed };

  FrameEvent start_frame(const DecodedHeader& decoded);
  FrameEvent fail(Error error);
  FrameEvent event(FrameEvent::Kind kind, std::span<uint8_t> payload = {}) const {
    return FrameEvent{kind, &header_, payload, kind == FrameEvent::Kind::error ? &error_ : nullptr};
  }

  FrameParserOptions options_;
  Phase phase_ = Phase::header;
  std::array<uint8_t, max_header_size> spill_{};  // a header split across reads
  size_t spill_size_ = 0;
  FrameHeader header_;
  uint64_t received_ = 0;  // payload bytes of the current frame seen so far
  Error error_;
};

// The checks start_frame applies, exposed for the tester and the fuzz oracles.
std::optional<Error> check_header(const FrameHeader& header, const FrameParserOptions& options);

}  // namespace wsprobe::codec
