#include "engine/receiver.hpp"

#include <algorithm>
#include <variant>

#include "engine/describe.hpp"

namespace wsprobe::harness {

Receiver::Receiver(codec::Role role, uint64_t max_message, size_t max_events, Wire& wire,
                   std::string peer, uint64_t max_kept)
    // A frame may reserve all of itself: at most what the case sent (max_message) and keeps.
    : reader_(codec::ReaderOptions{role, max_message, 0, true, 0, 256, max_kept, std::nullopt,
                                   max_message}),
      wire_(wire),
      peer_(std::move(peer)),
      max_message_(max_message),
      max_events_(max_events) {}

void Receiver::set_deflate(const codec::DeflateAgreement& agreement) {
  codec::ReaderOptions options = reader_.options();
  options.deflate = agreement;
  reader_ = codec::Reader(options);
}

void Receiver::record(Expected event) {
  if (expected_ != nullptr && expected_->ignores(event.kind)) return;  // evidence only
  if (events_.size() < max_events_) {
    const size_t at = events_.size();
    if (expected_ != nullptr && at < expected_->size()) {
      Expected want = (*expected_)[at];
      if (want == event) {
        if (matched_ == at) ++matched_;
        events_.push_back(std::move(want));  // the same content, its bytes shared
        return;
      }
    }
    // Messages that match nothing are kept whole up to a budget, then cut: 1000 wrong echoes of
    // 128 KiB (a broken deflate server in 12.x) must not make the tester hold 128 MiB.
    unmatched_bytes_ += event.payload.size();
    if (unmatched_bytes_ > max_unmatched_bytes && event.payload.size() > cut_size) {
      if (!cut_noted_) {
        cut_noted_ = true;
        wire_.note('*',
                   "more unexpected message bytes than the record keeps: later ones are "
                   "kept cut to their first " +
                       std::to_string(cut_size) + " bytes");
      }
      event.payload = event.payload.slice(0, cut_size);
    }
    events_.push_back(std::move(event));
  } else if (dropped_++ == 0) {
    wire_.note('*', "more events than the case can expect: the rest are counted, not kept");
  }
}

void Receiver::mark(const std::string& tag) {
  record({Expected::Kind::timeout, {}, tag});
  wire_.note('*', "still open after the pause (" + tag + ")");
}

std::optional<Payload> Receiver::take_pong() {
  return std::exchange(pong_, std::nullopt);
}

void Receiver::feed(std::span<uint8_t> bytes) {
  constexpr size_t head_size = 16;
  if (head_.size() < head_size) {
    const size_t n = std::min(head_size - head_.size(), bytes.size());
    head_.append(reinterpret_cast<const char*>(bytes.data()), n);
  }
  // Each event is handled as it is read: a flood of tiny frames never piles up events.
  reader_.feed_in_place(bytes, [this](codec::ReaderEvent&& ev) { on_event(std::move(ev)); });
}

void Receiver::on_event(codec::ReaderEvent&& ev) {
  {
    if (auto* h = std::get_if<codec::FrameHeaderEvent>(&ev)) {
      ++frames_;
      if (h->header.masked && keys_.size() < max_keys) keys_.push_back(h->header.mask);
    } else if (auto* m = std::get_if<codec::MessageEvent>(&ev)) {
      const auto kind =
          m->opcode == codec::Opcode::text ? Expected::Kind::text : Expected::Kind::binary;
      // A message cut to max_kept keeps its whole length in the tag: it matches no expected
      // event, and the evidence still says how long it was.
      const uint64_t size = m->data.size() + m->cut;
      Expected e{kind, std::move(m->data),
                 m->cut == 0 ? std::string() : "of " + std::to_string(size) + " bytes"};
      wire_.note('<', describe(e));
      record(std::move(e));
    } else if (auto* p = std::get_if<codec::PingEvent>(&ev)) {
      Expected e{Expected::Kind::ping, std::move(p->payload), {}};
      wire_.note('<', describe(e));
      pong_ = e.payload;  // shared, not copied: a flood pings thousands of times a second
      record(std::move(e));
    } else if (auto* pong = std::get_if<codec::PongEvent>(&ev)) {
      Expected e{Expected::Kind::pong, std::move(pong->payload), {}};
      wire_.note('<', describe(e));
      record(std::move(e));
    } else if (auto* c = std::get_if<codec::CloseFrameEvent>(&ev)) {
      close_received_ = true;
      if (c->code != codec::close_code::no_status) close_code_ = c->code;
      close_reason_ = c->reason;
      wire_.note('<', "close " + (close_code_ ? std::to_string(*close_code_) : "(no code)") +
                          (c->reason.empty() ? "" : " '" + c->reason.substr(0, 80) + "'"));
    } else if (auto* f = std::get_if<codec::FailureEvent>(&ev)) {
      violation_ = f->error;
      if (f->error.close_code == codec::close_code::message_too_big) {
        wire_.note('*', peer_ + " sent a message over " + std::to_string(max_message_) +
                            " bytes, more than this case can get back");
      } else {
        wire_.note('*', peer_ + " broke the protocol: " + std::string(f->error.reason) + " [" +
                            std::string(codec::rule_name(f->error.rule)) + "]");
      }
    } else if (std::holds_alternative<codec::AfterCloseEvent>(ev)) {
      if (after_close_noted_++ == 0) wire_.note('<', "data after " + peer_ + "'s close frame");
    }
  }
}

}  // namespace wsprobe::harness
