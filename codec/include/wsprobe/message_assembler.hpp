#pragma once
// Message assembly (RFC 6455 5.4, 5.6, 8.1): joins data frames into messages, passes control
// frames through (they may sit between fragments), enforces continuation rules, the message-size
// limit (1009 at the header that would cross it, before its payload is read) and UTF-8 of text
// messages as the bytes arrive (1007 at the first invalid byte, before the frame is complete).

#include <cstdint>
#include <vector>

#include "wsprobe/error.hpp"
#include "wsprobe/frame_parser.hpp"
#include "wsprobe/utf8.hpp"

namespace wsprobe::codec {

struct AssemblerOptions {
  uint64_t max_message_size = uint64_t{16} << 20;  // 16 MiB
  // A text message is validated here unless its first frame has RSV1 set: then its bytes are
  // compressed (RFC 7692) and the text is validated after inflating.
  bool validate_utf8 = true;
  // False when the reader inflates messages with RSV1 itself (RFC 7692) as their payload
  // arrives: their compressed bytes are then not collected here.
  bool collect_rsv1_payload = true;
  // Bytes of a message kept; past them its bytes are still checked (size, UTF-8) but only
  // counted (Assembled::cut): a tester that only needs to show a message was wrong need not hold
  // all of it.
  uint64_t max_kept = UINT64_MAX;
  // Room a frame header's length reserves at once: memory then follows what arrives, not what a
  // 14-byte header claims. A peer whose messages are known to be bounded (the tester's, by what
  // its case sent) may reserve a whole frame, so a 16 MiB frame is never grown through 8 MiB.
  uint64_t max_reserve = uint64_t{256} << 10;
};

struct Assembled {
  enum class Kind : uint8_t { none, message, control, error };
  Kind kind = Kind::none;
  Opcode opcode = Opcode::continuation;  // message: text or binary; control: close, ping or pong
  uint8_t rsv = 0;                       // message: RSV bits of its first frame
  std::vector<uint8_t> payload;
  uint64_t cut = 0;  // message: bytes past AssemblerOptions::max_kept, counted, not in `payload`
  Error error;
};

class MessageAssembler {
 public:
  explicit MessageAssembler(AssemblerOptions options = {}) : options_(options) {}

  // Takes the parser's events in order. Returns a message or control frame when one completes,
  // an error when the stream breaks a rule, otherwise Kind::none.
  Assembled feed(const FrameEvent& event);

  [[nodiscard]] bool in_message() const { return in_message_; }
  [[nodiscard]] const AssemblerOptions& options() const { return options_; }

 private:
  Assembled on_header(const FrameHeader& header);
  Assembled on_payload(std::span<const uint8_t> bytes);
  Assembled on_end(const FrameHeader& header);

  AssemblerOptions options_;
  bool in_message_ = false;       // a fragmented message is open (RFC 6455 5.4)
  bool current_control_ = false;  // the frame being read is a control frame
  Opcode message_opcode_ = Opcode::continuation;
  uint8_t message_rsv_ = 0;
  bool check_utf8_ = false;    // a text message whose bytes are the text itself
  bool collect_ = true;        // the message's payload is kept (see collect_rsv1_payload)
  uint64_t message_size_ = 0;  // bytes announced so far, by headers
  uint64_t cut_ = 0;           // bytes past max_kept, not collected
  std::vector<uint8_t> message_;
  std::vector<uint8_t> control_;
  Utf8Validator utf8_;
};

}  // namespace wsprobe::codec
