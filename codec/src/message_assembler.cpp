#include "wsprobe/message_assembler.hpp"

#include <algorithm>

namespace wsprobe::codec {
namespace {

Assembled failure(Error error) {
  Assembled a;
  a.kind = Assembled::Kind::error;
  a.error = error;
  return a;
}

}  // namespace

Assembled MessageAssembler::feed(const FrameEvent& event) {
  switch (event.kind) {
    case FrameEvent::Kind::header:
      return on_header(*event.header);
    case FrameEvent::Kind::payload:
      return on_payload(event.payload);
    case FrameEvent::Kind::end:
      return on_end(*event.header);
    case FrameEvent::Kind::error:
      return failure(*event.error);
    case FrameEvent::Kind::need_more:
      break;
  }
  return {};
}

Assembled MessageAssembler::on_header(const FrameHeader& h) {
  current_control_ = is_control(h.opcode);
  if (current_control_) {  // RFC 6455 5.4: control frames may be injected between fragments
    control_.clear();
    return {};
  }
  const auto opcode = static_cast<Opcode>(h.opcode);
  if (opcode == Opcode::continuation) {
    if (!in_message_) {
      return failure(error_of(Rule::continuation_without_message));
    }
  } else {
    if (in_message_) {
      return failure(error_of(Rule::data_frame_inside_message));
    }
    in_message_ = true;
    message_opcode_ = opcode;
    message_rsv_ = h.rsv;
    check_utf8_ = opcode == Opcode::text && options_.validate_utf8 && (h.rsv & rsv::rsv1) == 0;
    collect_ = options_.collect_rsv1_payload || (h.rsv & rsv::rsv1) == 0;
    message_size_ = 0;
    cut_ = 0;
    message_.clear();
    utf8_.reset();
  }
  // Checked against what the header announces, so an oversized message fails before its
  // payload is read (RFC 6455 10.4).
  if (h.payload_length > options_.max_message_size - message_size_) {
    return failure(error_of(Rule::message_too_big));
  }
  message_size_ += h.payload_length;
  // Room for the frame's payload in one allocation instead of growing as pieces arrive (each
  // growth copies what came before). Capped, so that memory follows what arrives rather than
  // what a header claims: a peer's 14-byte header gets it at most max_reserve. Growth stops at
  // the limit (the message cannot be longer), not at twice it: a flood of tiny fragments up to
  // a 16 MiB limit holds 16 MiB, not 32.
  if (collect_) {
    const size_t wanted =
        message_.size() + static_cast<size_t>(std::min(h.payload_length, options_.max_reserve));
    if (wanted > message_.capacity()) {
      const uint64_t doubled = std::max<uint64_t>(wanted, uint64_t{2} * message_.capacity());
      const uint64_t most = std::min(options_.max_message_size, options_.max_kept);
      message_.reserve(
          static_cast<size_t>(std::min(doubled, std::max<uint64_t>(most, message_.size()))));
    }
  }
  return {};
}

Assembled MessageAssembler::on_payload(std::span<const uint8_t> bytes) {
  if (current_control_) {
    control_.insert(control_.end(), bytes.begin(), bytes.end());
    return {};
  }
  if (collect_) {
    const uint64_t room =
        options_.max_kept - std::min<uint64_t>(options_.max_kept, message_.size());
    const size_t kept = static_cast<size_t>(std::min<uint64_t>(room, bytes.size()));
    message_.insert(message_.end(), bytes.begin(), bytes.begin() + static_cast<long>(kept));
    cut_ += bytes.size() - kept;
  }
  // RFC 6455 8.1: text is validated as it arrives, so invalid UTF-8 fails fast (Autobahn 6.4).
  if (check_utf8_ && !utf8_.feed(bytes)) {
    return failure(error_of(Rule::invalid_utf8));
  }
  return {};
}

Assembled MessageAssembler::on_end(const FrameHeader& h) {
  Assembled a;
  if (current_control_) {
    a.kind = Assembled::Kind::control;
    a.opcode = static_cast<Opcode>(h.opcode);
    a.payload = std::move(control_);
    control_.clear();
    return a;
  }
  if (!h.fin) return a;
  if (check_utf8_ && !utf8_.finish()) {
    return failure(error_of(Rule::truncated_utf8));
  }
  in_message_ = false;
  a.kind = Assembled::Kind::message;
  a.opcode = message_opcode_;
  a.rsv = message_rsv_;
  a.payload = std::move(message_);
  a.cut = cut_;
  message_.clear();
  return a;
}

}  // namespace wsprobe::codec
