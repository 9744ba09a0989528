#pragma once
// The receive path, side-effect free (RFC 6455 5, 7.1.5, 8.1): bytes in, events out. It parses
// and judges only: it never answers a ping or a close, never writes a byte. Connection (which
// adds those policies) and the tester's engine (which judges a peer) both read through it, so
// the receive rules live once.
//
// Events come in wire order: every frame header as it is decoded, then what the frame completes
// (a message, a ping, a pong, a close frame). The first rule the peer breaks is a FailureEvent;
// the reader then stays failed and only counts the bytes it discards. The bytes that arrive after
// the peer's close frame are not protocol (RFC 6455 1.4, 5.5.1): they are reported as they come,
// raw, in AfterCloseEvents (the first max_after_close_bytes of them; all are counted).
//
// Memory is bounded whatever the input: one message (max_message_size, checked against each
// frame header before its payload is read), one control payload (125 bytes), the after-close bytes
// kept, and the events not yet taken (at most one per byte fed; none with an EventSink).
//
// With permessage-deflate agreed (RFC 7692), a message whose first frame has RSV1 is inflated as
// its frames arrive, a bounded chunk at a time: the limit is counted on the inflated bytes (a
// bomb fails with 1009 once the limit is crossed, never held whole) and text is validated as it
// inflates. Its compressed bytes are never collected.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "wsprobe/deflate.hpp"
#include "wsprobe/deflate_params.hpp"
#include "wsprobe/error.hpp"
#include "wsprobe/frame_header.hpp"
#include "wsprobe/frame_parser.hpp"
#include "wsprobe/message_assembler.hpp"
#include "wsprobe/utf8.hpp"

namespace wsprobe::codec {

struct ReaderOptions {
  Role role = Role::server;  // a server requires masked frames, a client unmasked (RFC 6455 5.1)
  uint64_t max_message_size = uint64_t{16} << 20;  // 16 MiB; larger messages fail with 1009
  uint64_t max_frame_size = 0;                     // 0: same as max_message_size
  bool validate_utf8 = true;
  // RSV bits a negotiated extension defines, allowed on the first frame of a data message only;
  // messages then carry their RSV bits (MessageEvent::rsv) for the extension layer.
  uint8_t allowed_rsv = 0;
  // After-close bytes kept in AfterCloseEvents; the rest are only counted (after_close_bytes()).
  size_t max_after_close_bytes = 4096;
  // Bytes of a message kept in its MessageEvent (inflated bytes, when compressed); the rest are
  // checked and counted (MessageEvent::cut). The limit above is what fails the connection.
  uint64_t max_kept_message = UINT64_MAX;
  // permessage-deflate, when agreed: RSV1 is then allowed on the first frame of a data message,
  // and such messages are inflated with the peer's direction of the agreement.
  std::optional<DeflateAgreement> deflate;
  // What a frame header's length may reserve of a message at once (AssemblerOptions::max_reserve).
  uint64_t max_reserve = uint64_t{256} << 10;
};

// A frame header as decoded, before its payload is read (the tester's evidence log).
struct FrameHeaderEvent {
  FrameHeader header;
};
struct MessageEvent {
  Opcode opcode;  // text or binary
  std::vector<uint8_t> data;
  uint8_t rsv = 0;  // RSV bits of the message's first frame (non-zero only with an extension)
  bool compressed = false;  // it came compressed (permessage-deflate, RSV1); `data` is inflated
  uint64_t cut = 0;         // bytes past ReaderOptions::max_kept_message: counted, not in `data`
  [[nodiscard]] std::string_view text() const {
    return {reinterpret_cast<const char*>(data.data()), data.size()};
  }
};
struct PingEvent {
  std::vector<uint8_t> payload;
};
struct PongEvent {
  std::vector<uint8_t> payload;
};
// The peer's close frame, its payload valid (RFC 6455 5.5.1, 7.4): an invalid one is a failure.
struct CloseFrameEvent {
  uint16_t code = close_code::no_status;  // 1005 when the payload was empty (RFC 6455 7.1.5)
  std::string reason;
  std::vector<uint8_t> payload;  // as received (unmasked)
};
// The first rule the peer broke: the connection must be failed (RFC 6455 7.1.7).
struct FailureEvent {
  Error error;
};
// Bytes that arrived after the peer's close frame, uninterpreted.
struct AfterCloseEvent {
  std::vector<uint8_t> bytes;
};
using ReaderEvent = std::variant<FrameHeaderEvent, MessageEvent, PingEvent, PongEvent,
                                 CloseFrameEvent, FailureEvent, AfterCloseEvent>;
// Takes each event as it is read, instead of take_events(): nothing accumulates.
using EventSink = std::function<void(ReaderEvent&&)>;

class Reader {
 public:
  explicit Reader(ReaderOptions options = {});
  // Starts over as Reader(options) would, keeping the inflater's memory (its state and buffers,
  // some 220 KiB) when deflate is agreed again: a new stream for a reader that reads many.
  void reset(ReaderOptions options);

  // Reads the bytes (copied, then unmasked in the copy). Any split of a stream gives the same
  // events as feeding it whole.
  void feed(std::span<const uint8_t> bytes);
  // The same, unmasking `bytes` in place (no copy); the caller's buffer is modified.
  void feed_in_place(std::span<uint8_t> bytes);
  // The same, handing each event to `sink` as it is read (nothing is kept for take_events()).
  void feed(std::span<const uint8_t> bytes, const EventSink& sink);
  void feed_in_place(std::span<uint8_t> bytes, const EventSink& sink);
  // The events since the last call, in wire order.
  std::vector<ReaderEvent> take_events() { return std::exchange(events_, {}); }

  // Allows the RSV bits a negotiated extension defines (set once the handshake is done).
  void set_allowed_rsv(uint8_t bits) { parser_.set_allowed_rsv(bits); }

  [[nodiscard]] bool failed() const { return failed_; }
  [[nodiscard]] bool close_received() const { return close_received_; }
  // Bytes fed after the point where the failure was found, ignored. Where in a read the failure
  // is found depends on the read boundaries (a frame's payload is judged a piece at a time), so
  // unlike the events this count may differ between two splits of the same stream.
  [[nodiscard]] uint64_t discarded_bytes() const { return discarded_; }
  // Bytes fed after the peer's close frame (kept in AfterCloseEvents or not).
  [[nodiscard]] uint64_t after_close_bytes() const { return after_close_; }
  // Between frames and outside a fragmented message: an EOF here cuts nothing.
  [[nodiscard]] bool at_message_boundary() const {
    return parser_.at_frame_boundary() && !assembler_.in_message();
  }
  [[nodiscard]] const ReaderOptions& options() const { return options_; }

 private:
  // Uses `inflater` (reset) when deflate is agreed and it holds one: reset()'s.
  Reader(ReaderOptions options, std::optional<Inflater> inflater);
  void read(std::span<uint8_t> input);
  void emit(ReaderEvent&& event);
  // After a failure or the close frame: takes `bytes` as discarded or after-close; true then.
  bool past_the_end(std::span<const uint8_t> bytes);
  void on_control(Assembled&& control);
  void on_message(Assembled&& message);
  // permessage-deflate: starts a compressed message at its header, inflates its payload.
  void inflate(const FrameEvent& event);
  // permessage-deflate: the inflater's output, counted against the limit and validated.
  std::optional<Error> take_inflated(std::span<const uint8_t> chunk);
  // The sink handed to the inflater (made per call: a Reader may move).
  InflateSink inflated_sink() {
    return [this](std::span<const uint8_t> chunk) { return take_inflated(chunk); };
  }
  void fail(const Error& error);
  void keep_after_close(std::span<const uint8_t> bytes);

  ReaderOptions options_;
  FrameParser parser_;
  MessageAssembler assembler_;
  std::vector<uint8_t> scratch_;  // feed()'s copy of the input
  std::optional<Inflater> inflater_;
  bool inflating_ = false;  // the current message is compressed
  bool inflated_text_ = false;
  std::vector<uint8_t> inflated_;
  uint64_t inflated_cut_ = 0;  // inflated bytes past max_kept_message, counted
  Utf8Validator inflated_utf8_;
  std::vector<ReaderEvent> events_;
  const EventSink* sink_ = nullptr;  // set during feed(bytes, sink)
  bool failed_ = false;
  bool close_received_ = false;
  uint64_t discarded_ = 0;
  uint64_t after_close_ = 0;
};

}  // namespace wsprobe::codec
