#include "engine/conversation.hpp"

#include <algorithm>

#include "wsprobe/close.hpp"
#include "wsprobe/mask.hpp"

namespace wsprobe::harness {
namespace {

std::vector<uint8_t> close_payload(uint16_t code) {
  if (code == codec::close_code::no_status) return {};
  return {static_cast<uint8_t>(code >> 8), static_cast<uint8_t>(code & 0xFF)};
}

}  // namespace

Conversation::Conversation(Wire& wire, Sender& sender, Receiver& receiver, CaseResult& result,
                           double write_timeout)
    : wire_(wire),
      sender_(sender),
      receiver_(receiver),
      result_(result),
      write_timeout_(write_timeout) {}

bool Conversation::write(std::span<const uint8_t> bytes) {
  if (tcp_closed_ || write_failed_) return false;
  if (unread_ > 0) return write_unread(bytes);
  const auto r = wire_.write(bytes, wire_.after(stall_ > 0 ? stall_ : write_timeout_));
  const size_t n = r.status == IoStatus::ok ? bytes.size() : r.bytes;
  result_.bytes_sent += n;  // a server watch weighs memory growth against it
  frame_written_ += n;
  if (r.status == IoStatus::ok) return true;
  if (stall_ > 0 && r.status == IoStatus::timeout) {
    write_stalled_ = true;  // until_close: the peer stopped taking our bytes
    return false;
  }
  return abandon(r.message);
}

void Conversation::unread(double stall) {
  if (stall <= 0 && unread_ > 0) {
    wire_.note('*', "unread step done: " + std::to_string(unread_writes_) + " writes" +
                        (stalled_ ? std::string()
                                  : ", " + std::to_string(unread_sent_) +
                                        " bytes written, the peer never stalled"));
  }
  unread_writes_ = 0;
  unread_ = stall;
  stalled_ = false;
  unread_sent_ = 0;
}

bool Conversation::write_unread(std::span<const uint8_t> bytes) {
  size_t done = 0;
  if (!stalled_) {
    const auto r = wire_.write(bytes, wire_.after(unread_));
    done = r.status == IoStatus::ok ? bytes.size() : r.bytes;
    result_.bytes_sent += done;
    unread_sent_ += done;
    if (r.status == IoStatus::ok) return true;
    if (r.status != IoStatus::timeout) return abandon(r.message);
    // RFC 6455 10.4: the peer holds no more of its unread output; it stopped reading from us.
    stalled_ = true;
    wire_.note('*', "unread: " + receiver_.peer() + " did not take a " +
                        std::to_string(bytes.size()) + "-byte write within " +
                        std::to_string(unread_).substr(0, 4) + " s (x the timeout scale) after " +
                        std::to_string(unread_sent_) +
                        " bytes written without reading: it stopped reading; the tester reads "
                        "again while it writes the rest");
  }
  // Stalled: write what fits without waiting, and when nothing more fits, read what the peer sent
  // (for a moment), so that it goes on reading us; neither side blocks.
  const auto end = wire_.after(write_timeout_);
  while (done < bytes.size()) {
    const auto r = wire_.write(bytes.subspan(done), Transport::no_wait);
    const size_t n = r.status == IoStatus::ok ? bytes.size() - done : r.bytes;
    done += n;
    result_.bytes_sent += n;
    if (r.status != IoStatus::ok && r.status != IoStatus::timeout) return abandon(r.message);
    if (done == bytes.size()) break;
    if (Clock::now() >= end) return abandon("timed out (writing while reading)");
    pump_until(Clock::now() + std::chrono::milliseconds(1), [] { return false; });
    if (tcp_closed_) return false;
  }
  return true;
}

bool Conversation::abandon(const std::string& message) {
  // The peer stopped reading (it failed us early, or crashed). What it sent before, a close
  // frame above all, may still be waiting to be read; nothing more can be written.
  wire_.note('*', "write failed: " + message);
  write_failed_ = true;
  in_frame_ = false;  // the frame is abandoned with the connection
  pump_until(wire_.after(1.0), [] { return false; });
  tcp_closed_ = true;
  return false;
}

bool Conversation::write_range(const Outgoing& frame, size_t from, size_t to) {
  if (frame.payload.empty()) return write(std::span(frame.bytes).subspan(from, to - from));
  // A streamed frame: its header, then its payload masked at its offset (RFC 6455 5.3), in
  // pieces of at most 256 KiB.
  constexpr size_t piece = size_t{256} << 10;
  const size_t head = frame.bytes.size();
  std::vector<uint8_t> buf;
  while (from < to) {
    const size_t end = std::min(to, from + piece);
    buf.clear();
    if (from < head) {
      const size_t h_end = std::min(end, head);
      buf.insert(buf.end(), frame.bytes.begin() + static_cast<long>(from),
                 frame.bytes.begin() + static_cast<long>(h_end));
    }
    const size_t p_from = std::max(from, head) - head;
    const size_t p_to = end - head;
    if (end > head && p_to > p_from) {
      const size_t at = buf.size();
      buf.resize(at + p_to - p_from);
      frame.payload.read(p_from, std::span(buf).subspan(at));
      if (frame.mask) codec::apply_mask(std::span(buf).subspan(at), *frame.mask, p_from);
    }
    if (!write(buf)) return false;
    from = end;
  }
  return true;
}

void Conversation::send(const Outgoing& frame) {
  if (tcp_closed_) return;
  // An unread step's flood is shown by its first writes and counted (unread()), so the evidence
  // keeps room for the stall and what follows.
  if (unread_ <= 0 || ++unread_writes_ <= 4) {
    wire_.note('>', frame.description);
  } else if (unread_writes_ == 5) {
    wire_.note('*', "unread: the step's further writes are counted, not listed");
  }
  if (frame.close) {
    sent_close_ = true;
    result_.closed_by_me = !receiver_.close_received();
    if (frame.close_code) result_.local_close_code = frame.close_code;
  }
  in_frame_ = true;
  frame_written_ = 0;
  write_stalled_ = false;
  const bool watch = frame.until_close > 0;
  size_t from = 0;
  size_t polled = 0;  // where the tester last read between pieces
  for (size_t k = 0; k < frame.cuts.size(); ++k) {
    const size_t to = frame.cuts[k];
    stall_ = watch ? frame.until_close : 0;
    const bool written = write_range(frame, from, to);
    stall_ = 0;
    if (!written && watch) {
      until_close_stopped(frame, frame_written_, k + 1,
                          write_stalled_ ? "a write was not taken within " +
                                               std::to_string(frame.until_close).substr(0, 4) +
                                               " s (x the timeout scale)"
                                         : "the write failed");
      if (!write_stalled_) return;
      write_failed_ = true;  // it does not read: nothing more is written, what it sends is read
      break;
    }
    if (!written) return;
    from = to;
    if (k + 1 == frame.cuts.size()) {
      if (watch) {
        until_close_stopped(
            frame, frame_written_, k + 1,
            "all of it was written before " + receiver_.peer() + " closed or stopped taking it");
      }
      break;
    }
    if (frame.pause > 0 && !receiver_.close_received() && alive()) {
      pause(frame.pause, k < frame.tags.size() ? frame.tags[k] : "");
    } else if (to - polled >= frame.poll_every) {
      poll_now();
      polled = to;
    }
    if (watch && (receiver_.close_received() || !alive())) {
      // The peer decided: the frame stops here, cut short (it claims more than was sent), as a
      // raw header claiming 2^63-1 with 4 bytes behind it is (20.2.1); our close answer follows.
      until_close_stopped(frame, frame_written_, k + 1,
                          receiver_.close_received() ? receiver_.peer() + "'s close frame arrived"
                          : tcp_closed_              ? receiver_.peer() + " closed TCP"
                                                     : receiver_.peer() + " broke the protocol");
      break;
    }
  }
  in_frame_ = false;
  reply();
  if (frame.poll_after) poll();
}

void Conversation::until_close_stopped(const Outgoing& frame, uint64_t written, size_t writes,
                                       const std::string& why) {
  const uint64_t head = frame.bytes.size();
  const uint64_t after = written > head ? written - head : 0;
  taken_ = std::max(taken_.value_or(0), after);
  wire_.note('*', "until_close: " + why + " after " + std::to_string(after) +
                      " bytes written after the frame header (" + std::to_string(writes) +
                      " writes); an upper bound of what " + receiver_.peer() +
                      " read: the kernel's socket buffers, ours and its, hold part of them");
}

void Conversation::send_close(uint16_t code, const std::string& why) {
  if (sent_close_) return;
  wire_.note('*', why);
  send(sender_.control(0x8, close_payload(code)));
}

void Conversation::reply() {
  if (in_frame_ || tcp_closed_ || write_failed_) return;
  if (const auto& f = receiver_.failure(); f && !failure_sent_) {
    failure_sent_ = true;
    // RFC 6455 7.1.7: fail the connection with the code of the rule broken.
    if (result_.reason.empty()) {
      result_.reason = receiver_.peer() + " broke the protocol: " + std::string(f->reason);
    }
    if (!sent_close_) {
      // Not our closing handshake (closedByMe stays as it was, as in Autobahn): the connection
      // is failed, and nothing more is sent or read.
      Outgoing o = sender_.control(0x8, close_payload(f->close_code));
      o.close = false;
      o.description = "failing the connection: " + o.description;
      send(o);
    }
    return;
  }
  if (receiver_.violation()) return;
  if (receiver_.close_received() && !echoed_close_) {
    echoed_close_ = true;
    // RFC 6455 5.5.1: answer a close with a close, echoing the code.
    const uint16_t code = receiver_.close_code().value_or(codec::close_code::no_status);
    send_close(code, "answering " + receiver_.peer() + "'s close");
    return;
  }
  if (auto pong = receiver_.take_pong(); pong && !sent_close_ && !receiver_.close_received()) {
    Outgoing o = sender_.control(0xA, std::move(*pong));
    o.description = "pong (answering " + receiver_.peer() + "'s ping)";
    send(o);
  }
}

void Conversation::feed(std::span<uint8_t> bytes) {
  if (bytes.empty()) return;
  receiver_.feed(bytes);
  reply();
}

void Conversation::poll() {
  pump_until(Clock::now(), [] { return false; });
}

void Conversation::poll_now() {
  pump_until(Transport::no_wait, [] { return false; });
}

void Conversation::pump_until(Clock::time_point deadline, const std::function<bool()>& done) {
  std::vector<uint8_t>& buf = read_buf_;
  while (alive() && !done()) {
    const auto r = wire_.read_some(buf, deadline);
    if (r.status == IoStatus::timeout) return;
    if (r.status != IoStatus::ok) {
      tcp_closed_ = true;
      wire_.note('*', r.status == IoStatus::closed ? receiver_.peer() + " closed TCP"
                                                   : "read failed: " + r.message);
      return;
    }
    result_.bytes_received += r.bytes;  // the reports' throughput (report/throughput.hpp)
    feed(std::span<uint8_t>(buf.data(), r.bytes));
    if (Clock::now() >= deadline) return;
  }
}

void Conversation::pause(double seconds, const std::string& tag) {
  pump_until(wire_.after(seconds), [] { return false; });
  // Autobahn's continueLater: the marker counts only if the connection is still open.
  if (tag.empty() || !alive() || receiver_.close_received()) return;
  receiver_.mark(tag);
}

}  // namespace wsprobe::harness
