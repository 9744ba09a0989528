#pragma once
// One case's connection once open: writes the tester's frames, reads the peer's, and keeps the
// one rule that makes a tester trustworthy on the wire: it never interleaves. A frame it has
// started writing is finished (or the connection abandoned) before any other frame is written,
// its own pongs and close replies included; they wait for the frame boundary. Once the peer has
// closed, the steps still to send are dropped at a frame boundary, and the evidence says so.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/receiver.hpp"
#include "engine/sender.hpp"
#include "engine/wire.hpp"

namespace wsprobe::harness {

class Conversation {
 public:
  // `write_timeout`: how long one write may block (a peer that stops reading fails the write,
  // not the tester); long enough for the case's largest message.
  Conversation(Wire& wire, Sender& sender, Receiver& receiver, CaseResult& result,
               double write_timeout);

  // Writes the frame in its planned pieces, reading between them; pauses are skipped once the
  // peer has closed (it has decided; the rest of the frame only completes it).
  void send(const Outgoing& frame);
  // Our close frame with `code` (none for 1005), once.
  void send_close(uint16_t code, const std::string& why);
  // Waits `seconds` reading; records `tag` if the connection is still open after it.
  void pause(double seconds, const std::string& tag);
  // One read that gives the peer a moment (1 ms) to answer: collects what has arrived.
  void poll();
  // Collects what has already arrived, without waiting: between the pieces of one frame, where
  // 16,384 chops of a 1 MiB frame would otherwise wait 16 s.
  void poll_now();
  // Reads until `done` holds, the connection ends, or the deadline passes.
  void pump_until(Clock::time_point deadline, const std::function<bool()>& done);
  // The bytes that followed the opening handshake.
  void feed(std::span<uint8_t> bytes);

  // The connection can carry more: TCP open and the peer has broken no rule.
  [[nodiscard]] bool alive() const { return !tcp_closed_ && !receiver_.violation(); }
  [[nodiscard]] bool tcp_closed() const { return tcp_closed_; }
  void mark_tcp_closed() { tcp_closed_ = true; }
  [[nodiscard]] bool sent_close() const { return sent_close_; }

  // RFC 6455 10.4 (robustness), Step::unread: from now on the tester reads nothing while it
  // writes, until a write stalls for `stall` seconds (the peer stopped reading from us); from
  // then on it writes while reading. 0 ends the mode, as at the end of the step.
  void unread(double stall);
  // The peer stalled our writes during the unread step: it bounds what it holds for us.
  [[nodiscard]] bool stalled() const { return stalled_; }
  // Step::until_close: the bytes written after the frame header when the step stopped (the
  // peer's close, its TCP close, a piece not taken), the most of any such step; none if none ran.
  [[nodiscard]] std::optional<uint64_t> taken_after_header() const { return taken_; }

 private:
  bool write(std::span<const uint8_t> bytes);
  // write() in the unread mode: reads nothing until a write stalls, then reads between writes.
  bool write_unread(std::span<const uint8_t> bytes);
  bool abandon(const std::string& message);
  // An until_close frame stopped: notes why and how much was written after its header.
  void until_close_stopped(const Outgoing& frame, uint64_t written, size_t writes,
                           const std::string& why);
  // Bytes [from, to) of the frame, its payload masked as it goes out.
  bool write_range(const Outgoing& frame, size_t from, size_t to);
  // Answers what the receiver asked for, at a frame boundary only.
  void reply();

  Wire& wire_;
  Sender& sender_;
  Receiver& receiver_;
  CaseResult& result_;
  double write_timeout_;
  bool in_frame_ = false;
  bool tcp_closed_ = false;
  bool write_failed_ = false;  // the connection is abandoned: read what is left, write nothing
  bool sent_close_ = false;
  bool failure_sent_ = false;
  bool echoed_close_ = false;
  double unread_ = 0;  // the stall bound of the unread mode, seconds (0: off)
  bool stalled_ = false;
  uint64_t unread_sent_ = 0;  // bytes written in the unread mode before the stall
  size_t unread_writes_ = 0;  // frames (or batches) sent in the unread mode
  double stall_ = 0;          // until_close: a write not taken this long stops the frame
  bool write_stalled_ = false;
  uint64_t frame_written_ = 0;  // bytes of the frame being sent written so far
  std::optional<uint64_t> taken_;
  std::vector<uint8_t> read_buf_ = std::vector<uint8_t>(65536);  // pump_until's, allocated once
};

}  // namespace wsprobe::harness
