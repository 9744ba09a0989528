#include "wsprobe/reader.hpp"

#include <algorithm>
#include <utility>

#include "wsprobe/close.hpp"

namespace wsprobe::codec {
namespace {

FrameParserOptions parser_options(const ReaderOptions& o) {
  FrameParserOptions p;
  p.role = o.role;
  // RFC 7692 6: permessage-deflate defines RSV1 ("Per-Message Compressed").
  p.allowed_rsv = o.deflate ? static_cast<uint8_t>(o.allowed_rsv | rsv::rsv1) : o.allowed_rsv;
  p.max_frame_size = o.max_frame_size != 0 ? o.max_frame_size : o.max_message_size;
  return p;
}

AssemblerOptions assembler_options(const ReaderOptions& o) {
  AssemblerOptions a;
  a.max_message_size = o.max_message_size;
  a.validate_utf8 = o.validate_utf8;
  a.collect_rsv1_payload = !o.deflate;
  a.max_kept = o.max_kept_message;
  a.max_reserve = o.max_reserve;
  return a;
}

}  // namespace

Reader::Reader(ReaderOptions options) : Reader(options, std::nullopt) {}

Reader::Reader(ReaderOptions options, std::optional<Inflater> inflater)
    : options_(options),
      parser_(parser_options(options_)),
      assembler_(assembler_options(options_)) {
  if (!options_.deflate) return;
  const DeflateDirection direction = receiving_direction(*options_.deflate, options_.role);
  if (inflater) {
    inflater->reset(direction);
    inflater_ = std::move(inflater);
  } else {
    inflater_.emplace(direction);
  }
}

void Reader::reset(ReaderOptions options) {
  // Taken out first: this reader never holds a moved-from inflater, whatever happens next.
  std::optional<Inflater> kept = std::exchange(inflater_, std::nullopt);
  *this = Reader(options, std::move(kept));
}

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
    if (inflater_ && a.kind == Assembled::Kind::none) inflate(ev);
    switch (a.kind) {
      case Assembled::Kind::none:
        break;
      case Assembled::Kind::message:
        on_message(std::move(a));
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

void Reader::inflate(const FrameEvent& ev) {
  const FrameHeader& h = *ev.header;
  if (ev.kind == FrameEvent::Kind::header && !is_control(h.opcode) && h.opcode != 0) {
    // RFC 7692 6.2: RSV1 on a message's first frame marks it compressed.
    inflating_ = (h.rsv & rsv::rsv1) != 0;
    inflated_text_ = h.opcode == static_cast<uint8_t>(Opcode::text) && options_.validate_utf8;
    inflated_.clear();
    inflated_cut_ = 0;
    inflated_utf8_.reset();
  } else if (ev.kind == FrameEvent::Kind::payload && inflating_ && !is_control(h.opcode)) {
    if (auto err = inflater_->feed(ev.payload, inflated_sink())) fail(*err);
  }
}

void Reader::on_message(Assembled&& message) {
  if (!inflating_) {
    emit(MessageEvent{message.opcode, std::move(message.payload), message.rsv, false, message.cut});
    return;
  }
  inflating_ = false;
  // RFC 7692 7.2.2: the tail is appended and the rest inflated once the last frame is in.
  if (auto err = inflater_->finish(inflated_sink())) return fail(*err);
  if (inflated_text_ && !inflated_utf8_.finish()) return fail(error_of(Rule::truncated_utf8));
  emit(MessageEvent{message.opcode, std::exchange(inflated_, {}), message.rsv, true,
                    std::exchange(inflated_cut_, 0)});
}

std::optional<Error> Reader::take_inflated(std::span<const uint8_t> chunk) {
  // RFC 6455 8.1: the text is validated as it inflates, so invalid UTF-8 fails fast; up to the
  // limit first, so which failure comes first does not depend on the chunks' sizes.
  const uint64_t room = options_.max_message_size - (inflated_.size() + inflated_cut_);
  const auto within = chunk.first(static_cast<size_t>(std::min<uint64_t>(room, chunk.size())));
  if (inflated_text_ && !inflated_utf8_.feed(within)) return error_of(Rule::invalid_utf8);
  // RFC 6455 10.4: the limit is on the message as the application receives it, inflated.
  if (chunk.size() > room) return error_of(Rule::inflated_message_too_big);
  const uint64_t kept_room =
      options_.max_kept_message - std::min<uint64_t>(options_.max_kept_message, inflated_.size());
  const size_t kept = static_cast<size_t>(std::min<uint64_t>(kept_room, chunk.size()));
  inflated_.insert(inflated_.end(), chunk.begin(), chunk.begin() + static_cast<long>(kept));
  inflated_cut_ += chunk.size() - kept;
  return std::nullopt;
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
