#include "wsprobe/reader.hpp"

#include <algorithm>

#include "wsprobe/close.hpp"

namespace wsprobe::codec {
namespace {

FrameParserOptions parser_options(const ReaderOptions& o) {
  FrameParserOptions p;
  p.role = o.role;
  p.allowed_rsv = o.allowed_rsv;
  p.max_frame_size = o.max_frame_size != 0 ? o.max_frame_size : o.max_message_size;
  return p;
}

AssemblerOptions assembler_options(const ReaderOptions& o) {
  AssemblerOptions a;
  a.max_message_size = o.max_message_size;
  a.validate_utf8 = o.validate_utf8;
  return a;
}

}  // namespace

Reader::Reader(ReaderOptions options)
    : options_(options),
      parser_(parser_options(options_)),
      assembler_(assembler_options(options_)) {}

void Reader::feed(std::span<const uint8_t> bytes) {
  if (past_the_end(bytes)) return;  // nothing left to unmask: no copy
  scratch_.assign(bytes.begin(), bytes.end());
  read(scratch_);
}

void Reader::feed(std::span<const uint8_t> bytes, const EventSink& sink) {
  sink_ = &sink;
  feed(bytes);
  sink_ = nullptr;
}

void Reader::feed_in_place(std::span<uint8_t> bytes, const EventSink& sink) {
  sink_ = &sink;
  feed_in_place(bytes);
  sink_ = nullptr;
}

void Reader::emit(ReaderEvent&& event) {
  if (sink_ != nullptr) {
    (*sink_)(std::move(event));
  } else {
    events_.push_back(std::move(event));
  }
}

void Reader::feed_in_place(std::span<uint8_t> bytes) {
  if (!past_the_end(bytes)) read(bytes);
}

void Reader::read(std::span<uint8_t> input) {
  while (!failed_ && !close_received_) {
    const FrameEvent ev = parser_.next(input);
    if (ev.kind == FrameEvent::Kind::need_more) return;
    if (ev.kind == FrameEvent::Kind::header) emit(FrameHeaderEvent{*ev.header});
    Assembled a = assembler_.feed(ev);
    switch (a.kind) {
      case Assembled::Kind::none:
        break;
      case Assembled::Kind::message:
        emit(MessageEvent{a.opcode, std::move(a.payload), a.rsv});
        break;
      case Assembled::Kind::control:
        on_control(std::move(a));
        break;
      case Assembled::Kind::error:
        fail(a.error);
        break;
    }
  }
  (void)past_the_end(input);  // the rest of this read
}

bool Reader::past_the_end(std::span<const uint8_t> bytes) {
  if (failed_) {
    discarded_ += bytes.size();  // RFC 6455 7.1.7: no more data is processed
    return true;
  }
  if (close_received_) {
    keep_after_close(bytes);  // RFC 6455 1.4, 5.5.1: not protocol, reported as such
    return true;
  }
  return false;
}

void Reader::on_control(Assembled&& control) {
  switch (control.opcode) {
    case Opcode::ping:
      emit(PingEvent{std::move(control.payload)});
      break;
    case Opcode::pong:
      emit(PongEvent{std::move(control.payload)});  // 5.5.3: may be unsolicited
      break;
    case Opcode::close: {
      // RFC 6455 5.5.1, 7.1.5, 7.4: an invalid close payload fails the connection.
      auto parsed = parse_close_payload(control.payload);
      if (!parsed) {
        fail(parsed.error());
        return;
      }
      // RFC 6455 1.4, 5.5.1: the close frame is the last; what follows is not protocol.
      close_received_ = true;
      emit(CloseFrameEvent{parsed->code, std::move(parsed->reason), std::move(control.payload)});
      break;
    }
    default:
      break;
  }
}

void Reader::fail(const Error& error) {
  failed_ = true;
  emit(FailureEvent{error});
}

void Reader::keep_after_close(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  const uint64_t kept_before = std::min<uint64_t>(after_close_, options_.max_after_close_bytes);
  after_close_ += bytes.size();
  const size_t room = options_.max_after_close_bytes - static_cast<size_t>(kept_before);
  const auto kept = bytes.first(std::min(room, bytes.size()));
  if (!kept.empty()) emit(AfterCloseEvent{{kept.begin(), kept.end()}});
}

}  // namespace wsprobe::codec
