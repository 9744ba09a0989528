#pragma once
// One endpoint of an open WebSocket connection, sans-I/O (the handshake is done; see
// handshake.hpp). Bytes in: receive(); events out: events(); calls in: send_*(), fail(); bytes
// out: bytes_to_send(). It reads through a Reader (reader.hpp) and adds the policies: it answers
// pings and close frames itself, fails the connection once with the right close code and then
// discards input (RFC 6455 7.1.7).
//
// The close frame that answers a peer's close, or that fails the connection, is queued when
// bytes_to_send() is next called, not when the bytes that caused it arrive: an endpoint that
// answers the messages received before it (an echo server) gets those answers out first
// (RFC 6455 5.5.1: "MAY delay sending a Close frame until its current message is sent").

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "wsprobe/deflate.hpp"
#include "wsprobe/deflate_params.hpp"
#include "wsprobe/error.hpp"
#include "wsprobe/frame_parser.hpp"
#include "wsprobe/random.hpp"
#include "wsprobe/reader.hpp"

namespace wsprobe::codec {

struct ConnectionOptions {
  Role role = Role::server;
  uint64_t max_message_size = uint64_t{16} << 20;  // 16 MiB; larger messages fail with 1009
  uint64_t max_frame_size = 0;                     // 0: same as max_message_size
  bool validate_utf8 = true;
  bool auto_pong = true;  // RFC 6455 5.5.2: answer a ping with a pong of the same payload
  // Automatic pongs stop while this many bytes wait in bytes_to_send(): a peer flooding pings at
  // an endpoint that does not drain cannot grow memory (RFC 6455 5.5.3 allows answering only
  // the most recent ping).
  size_t max_output_backlog = size_t{1} << 20;
  // RSV bits a negotiated extension defines, allowed on the first frame of a data message only.
  // Messages then carry their RSV bits (MessageEvent::rsv) for the extension layer to process.
  uint8_t allowed_rsv = 0;
  // permessage-deflate, when agreed (RFC 7692): messages received with RSV1 are inflated, and
  // every message sent is compressed (RSV1 on its frame), each direction with its parameters.
  std::optional<DeflateAgreement> deflate;
  // The compression level of what is sent compressed (deflate.hpp: 0-3).
  int deflate_level = default_deflate_level;
  RandomSource random;  // masking keys for the client role; default: OpenSSL
};

// The peer's close frame (code 1005 if it had none), or the transport's end without one
// (code 1006, remote = false).
struct CloseEvent {
  uint16_t code;
  std::string reason;
  bool remote;
};
// MessageEvent, PingEvent, PongEvent and FailureEvent (this endpoint failed the connection because
// the peer broke a rule, RFC 6455 7.1.7) are the reader's (reader.hpp).
using Event = std::variant<MessageEvent, PingEvent, PongEvent, CloseEvent, FailureEvent>;

enum class State : uint8_t {
  open,     // data may flow both ways
  closing,  // a close frame was sent or received, not both
  closed,   // both close frames exchanged, or failed, or the transport ended
};

class Connection {
 public:
  explicit Connection(ConnectionOptions options);

  void receive(std::span<const uint8_t> data);
  // The same, unmasking `data` in place instead of in a copy (the caller's buffer is modified):
  // an I/O layer that reads into its own scratch buffer saves a copy of every byte.
  void receive_in_place(std::span<uint8_t> data);
  void receive_eof();
  // The events since the last call, in wire order.
  std::vector<Event> events();
  // The same, into `into` (what it held is dropped). The two swap storage: the connection keeps
  // `into`'s capacity for the next events, so a caller that passes the same vector every time
  // (an I/O loop) allocates nothing for events once both have grown.
  void take_events(std::vector<Event>& into);

  // Calls that break the protocol state (data after close, invalid UTF-8 text, a control
  // payload over 125 bytes, an unsendable close code) return an Error and send nothing.
  std::optional<Error> send_text(std::string_view text);
  std::optional<Error> send_binary(std::span<const uint8_t> data);
  // Sends a message received on this connection back as it came (an echo server): a large
  // payload moves into the output instead of being copied (see take_output()), and text is not
  // validated again when the reader validated it. Compressed anew when deflate was agreed.
  std::optional<Error> echo(MessageEvent&& message);
  std::optional<Error> send_ping(std::span<const uint8_t> payload = {});
  std::optional<Error> send_pong(std::span<const uint8_t> payload = {});
  std::optional<Error> send_close(uint16_t code = close_code::normal, std::string_view reason = {});
  // Fails the connection: sends a close frame with `code` (unless one was sent), then ignores
  // everything the peer sends.
  void fail(const Error& error);

  std::vector<uint8_t> bytes_to_send();
  // The same bytes as buffers in order, for a gathered write (writev): a payload echo() moved in
  // is a buffer of its own, never copied. Use this or bytes_to_send(), either drains the output.
  std::vector<std::vector<uint8_t>> take_output();
  [[nodiscard]] size_t pending_output() const { return out_.size() + chunk_bytes_; }

  [[nodiscard]] State state() const;
  [[nodiscard]] bool close_sent() const { return close_sent_; }
  [[nodiscard]] bool close_received() const { return close_received_; }
  // The I/O layer should close TCP now: a server after the closing handshake (RFC 6455 7.1.1),
  // either side after failing the connection.
  [[nodiscard]] bool should_close_transport() const;
  // A client that finished the closing handshake waits for the server to close TCP; the I/O
  // layer arms a timer for that (RFC 6455 7.1.1).
  [[nodiscard]] bool close_expected() const { return close_sent_ && !eof_; }
  // The code of the close frame sent or queued, if any.
  [[nodiscard]] std::optional<uint16_t> sent_close_code() const { return sent_close_code_; }

 private:
  struct QueuedClose {
    uint16_t code;
    std::string_view reason;  // static text (an Error's reason) or empty
  };

  void handle(ReaderEvent&& event);
  void queue_close(uint16_t code, std::string_view reason);
  // A data message: compressed first when deflate was agreed.
  std::optional<Error> send_data(Opcode opcode, std::span<const uint8_t> data);
  std::optional<Error> send_frame(Opcode opcode, std::span<const uint8_t> payload, uint8_t rsv = 0);
  // A data frame whose payload becomes an output buffer of its own (echo()).
  std::optional<Error> send_frame_owned(Opcode opcode, std::vector<uint8_t>&& payload);
  // The checks every frame sent passes; then its header, masked for a client (RFC 6455 5.3).
  std::optional<Error> check_send(Opcode opcode, size_t payload_size) const;
  FrameHeader next_header(Opcode opcode, size_t payload_size, uint8_t rsv);
  void append_header(const FrameHeader& h, size_t payload_size);
  void queue_pending_close();

  ConnectionOptions options_;
  Reader reader_;
  std::optional<Deflater> deflater_;
  std::vector<uint8_t> compressed_;  // send_data()'s scratch
  std::vector<Event> events_;
  std::vector<uint8_t> out_;                  // output after chunks_
  std::vector<std::vector<uint8_t>> chunks_;  // output before out_: buffers moved in by echo()
  size_t chunk_bytes_ = 0;
  bool close_sent_ = false;
  bool close_received_ = false;
  bool failed_ = false;
  bool eof_ = false;
  bool discarding_ = false;  // after a close frame or a failure, input is ignored (7.1.7)
  std::optional<QueuedClose> queued_close_;
  std::optional<uint16_t> sent_close_code_;
};

}  // namespace wsprobe::codec
