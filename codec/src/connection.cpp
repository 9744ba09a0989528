#include "wsprobe/connection.hpp"

#include <algorithm>
#include <array>

#include "wsprobe/close.hpp"
#include "wsprobe/utf8.hpp"

namespace wsprobe::codec {
namespace {

ReaderOptions reader_options(const ConnectionOptions& o) {
  ReaderOptions r;
  r.role = o.role;
  r.max_message_size = o.max_message_size;
  r.max_frame_size = o.max_frame_size;
  r.validate_utf8 = o.validate_utf8;
  r.allowed_rsv = o.allowed_rsv;
  r.deflate = o.deflate;
  r.max_after_close_bytes = 0;  // discarded (RFC 6455 7.1.7), not reported
  return r;
}

std::span<const uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// The reason sent with a failure: the rule broken, cut to what a close frame holds. The reasons
// are ASCII, so any cut is valid UTF-8.
std::string_view close_reason_for(const Error& error) {
  return error.reason.substr(0, max_close_reason);
}

}  // namespace

Connection::Connection(ConnectionOptions options)
    : options_(std::move(options)), reader_(reader_options(options_)) {
  if (!options_.random) options_.random = openssl_random();
  if (options_.deflate) {
    deflater_.emplace(sending_direction(*options_.deflate, options_.role), options_.deflate_level);
  }
}

State Connection::state() const {
  if (eof_ || failed_ || (close_sent_ && close_received_)) return State::closed;
  if (close_sent_ || close_received_ || queued_close_) return State::closing;
  return State::open;
}

void Connection::receive(std::span<const uint8_t> data) {
  if (discarding_) return;  // RFC 6455 7.1.7: stop processing data
  // Each event as it is read: a flood of small frames accumulates nothing here.
  reader_.feed(data, [this](ReaderEvent&& event) {
    if (!discarding_) handle(std::move(event));
  });
}

void Connection::receive_in_place(std::span<uint8_t> data) {
  if (discarding_) return;
  reader_.feed_in_place(data, [this](ReaderEvent&& event) {
    if (!discarding_) handle(std::move(event));
  });
}

void Connection::receive_eof() {
  if (eof_) return;
  eof_ = true;
  // RFC 6455 7.1.5: the transport closed without a close frame: "The WebSocket Connection is
  // Closed" with code 1006. After a failure or a close frame there is nothing more to report.
  if (!close_received_ && !failed_) {
    events_.emplace_back(CloseEvent{close_code::abnormal, {}, false});
  }
  discarding_ = true;
  queued_close_.reset();  // nobody is left to read it
}

std::vector<Event> Connection::events() {
  return std::exchange(events_, {});
}

void Connection::take_events(std::vector<Event>& into) {
  into.clear();
  into.swap(events_);
}

void Connection::queue_pending_close() {
  if (!queued_close_) return;
  const QueuedClose close = *queued_close_;
  queued_close_.reset();
  (void)send_close(close.code, close.reason);
}

std::vector<uint8_t> Connection::bytes_to_send() {
  queue_pending_close();
  if (chunks_.empty()) return std::exchange(out_, {});
  std::vector<uint8_t> all;
  all.reserve(chunk_bytes_ + out_.size());
  for (const auto& chunk : chunks_)
    all.insert(all.end(), chunk.begin(), chunk.end());
  all.insert(all.end(), out_.begin(), out_.end());
  chunks_.clear();
  chunk_bytes_ = 0;
  out_.clear();
  return all;
}

std::vector<std::vector<uint8_t>> Connection::take_output() {
  queue_pending_close();
  std::vector<std::vector<uint8_t>> all = std::exchange(chunks_, {});
  chunk_bytes_ = 0;
  if (!out_.empty()) all.push_back(std::exchange(out_, {}));
  return all;
}

bool Connection::should_close_transport() const {
  if (queued_close_) return false;  // bytes_to_send() first
  if (failed_) return true;
  // RFC 6455 7.1.1: the server closes TCP first, once close frames went both ways.
  return options_.role == Role::server && close_sent_ && close_received_;
}

void Connection::queue_close(uint16_t code, std::string_view reason) {
  if (close_sent_ || queued_close_) return;
  queued_close_ = QueuedClose{code, reason};
  sent_close_code_ = code;
}

void Connection::handle(ReaderEvent&& event) {
  if (auto* ping = std::get_if<PingEvent>(&event)) {
    // RFC 6455 5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in
    // response", unless it already sent a close frame (nothing may follow it).
    if (options_.auto_pong && !close_sent_ && pending_output() < options_.max_output_backlog) {
      (void)send_pong(ping->payload);
    }
    events_.emplace_back(std::move(*ping));
  } else if (auto* message = std::get_if<MessageEvent>(&event)) {
    events_.emplace_back(std::move(*message));
  } else if (auto* pong = std::get_if<PongEvent>(&event)) {
    events_.emplace_back(std::move(*pong));
  } else if (auto* close = std::get_if<CloseFrameEvent>(&event)) {
    close_received_ = true;
    discarding_ = true;  // RFC 6455 1.4: no data after the close frame
    events_.emplace_back(CloseEvent{close->code, std::move(close->reason), true});
    // RFC 6455 5.5.1: answer with a close frame, echoing the status code received.
    queue_close(close->code, {});
  } else if (auto* failure = std::get_if<FailureEvent>(&event)) {
    fail(failure->error);
  }
  // Frame headers and after-close bytes are the tester's evidence, not events of a connection.
}

void Connection::fail(const Error& error) {
  if (failed_ || eof_ || (close_sent_ && close_received_)) return;
  failed_ = true;
  discarding_ = true;
  events_.emplace_back(FailureEvent{error});
  // RFC 6455 7.1.7: "Fail the WebSocket Connection": send a close frame first, if none was.
  if (is_valid_close_code(error.close_code)) queue_close(error.close_code, close_reason_for(error));
}

std::optional<Error> Connection::send_text(std::string_view text) {
  if (!is_valid_utf8(as_bytes(text))) {
    return error_of(Rule::send_invalid_utf8_text);
  }
  return send_data(Opcode::text, as_bytes(text));
}

std::optional<Error> Connection::send_binary(std::span<const uint8_t> data) {
  return send_data(Opcode::binary, data);
}

std::optional<Error> Connection::send_data(Opcode opcode, std::span<const uint8_t> data) {
  if (!deflater_) return send_frame(opcode, data);
  if (close_sent_ || eof_) return error_of(Rule::send_after_close);
  // RFC 7692 6.1: compressed, then sent with RSV1 on its (first and only) frame.
  compressed_.clear();
  deflater_->compress(data, compressed_);
  return send_frame(opcode, compressed_, rsv::rsv1);
}

std::optional<Error> Connection::echo(MessageEvent&& message) {
  if (deflater_) return send_data(message.opcode, message.data);
  // RFC 6455 8.1: text sent is UTF-8; the reader checked it already unless told not to.
  if (message.opcode == Opcode::text && !options_.validate_utf8 && !is_valid_utf8(message.data)) {
    return error_of(Rule::send_invalid_utf8_text);
  }
  return send_frame_owned(message.opcode, std::move(message.data));
}

std::optional<Error> Connection::send_ping(std::span<const uint8_t> payload) {
  return send_frame(Opcode::ping, payload);
}

std::optional<Error> Connection::send_pong(std::span<const uint8_t> payload) {
  return send_frame(Opcode::pong, payload);
}

std::optional<Error> Connection::send_close(uint16_t code, std::string_view reason) {
  auto payload = build_close_payload(code, reason);
  if (!payload) return payload.error();
  if (queued_close_) return error_of(Rule::close_already_queued);
  if (auto err = send_frame(Opcode::close, payload.value())) return err;
  close_sent_ = true;
  sent_close_code_ = code;
  return std::nullopt;
}

std::optional<Error> Connection::check_send(Opcode opcode, size_t payload_size) const {
  if (close_sent_ || eof_) {
    return error_of(Rule::send_after_close);
  }
  if (is_control(static_cast<uint8_t>(opcode)) && payload_size > max_control_payload) {
    return error_of(Rule::control_frame_too_long);
  }
  return std::nullopt;
}

FrameHeader Connection::next_header(Opcode opcode, size_t payload_size, uint8_t rsv) {
  FrameHeader h;
  h.fin = true;
  h.opcode = static_cast<uint8_t>(opcode);
  h.rsv = rsv;
  h.payload_length = payload_size;
  // RFC 6455 5.1, 5.3: a client masks every frame with a fresh, unpredictable key.
  h.masked = options_.role == Role::client;
  if (h.masked) options_.random(h.mask);
  return h;
}

// Appends the header to out_, with room reserved for `payload_size` more bytes (growing
// geometrically: many small frames append here). Appended, not resized then copied over: a
// resize would zero-fill the payload's bytes first.
void Connection::append_header(const FrameHeader& h, size_t payload_size) {
  std::array<uint8_t, max_header_size> header{};
  const size_t hsize = header_size(h);
  encode_header(h, std::span(header).first(hsize));
  const size_t needed = out_.size() + hsize + payload_size;
  if (needed > out_.capacity()) out_.reserve(std::max(needed, 2 * out_.capacity()));
  out_.insert(out_.end(), header.begin(), header.begin() + static_cast<ptrdiff_t>(hsize));
}

std::optional<Error> Connection::send_frame(Opcode opcode, std::span<const uint8_t> payload,
                                            uint8_t rsv) {
  if (auto err = check_send(opcode, payload.size())) return err;
  const FrameHeader h = next_header(opcode, payload.size(), rsv);
  append_header(h, payload.size());
  const size_t start = out_.size();
  out_.insert(out_.end(), payload.begin(), payload.end());
  if (h.masked) apply_mask(std::span(out_).subspan(start), h.mask);
  return std::nullopt;
}

std::optional<Error> Connection::send_frame_owned(Opcode opcode, std::vector<uint8_t>&& payload) {
  // Below this a copy costs less than a buffer of its own in the gathered write.
  constexpr size_t own_buffer_min = 4096;
  if (payload.size() < own_buffer_min) return send_frame(opcode, payload);
  if (auto err = check_send(opcode, payload.size())) return err;
  const FrameHeader h = next_header(opcode, payload.size(), 0);
  append_header(h, 0);
  if (h.masked) apply_mask(payload, h.mask);
  chunk_bytes_ += out_.size() + payload.size();
  chunks_.push_back(std::exchange(out_, {}));
  chunks_.push_back(std::move(payload));
  return std::nullopt;
}

}  // namespace wsprobe::codec
