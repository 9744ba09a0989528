// Fuzz target: the side-effect-free reader in either role (config bit 0x40: server), fed the
// input's stream with the input's read boundaries.
// Oracles: the events do not depend on the split (after-close bytes compared joined, since they
// arrive as read); the after-close bytes are the stream's tail; a failure is the last protocol
// event and carries its rule's code; a close frame's code is sendable or 1005; text messages are
// valid UTF-8 by the reference decoder; messages respect the limit; allocation follows what
// arrived, never what a header claims.

#include <string>

#include "fuzz_support.hpp"
#include "wsprobe/close.hpp"
#include "wsprobe/reader.hpp"

using namespace wsprobe;

namespace {

struct Transcript {
  std::vector<codec::ReaderEvent> events;  // AfterCloseEvents left out: see after_close
  std::vector<uint8_t> after_close;
  uint64_t discarded = 0;
  uint64_t after_close_count = 0;
};

bool same_event(const codec::ReaderEvent& a, const codec::ReaderEvent& b) {
  if (a.index() != b.index()) return false;
  if (const auto* h = std::get_if<codec::FrameHeaderEvent>(&a))
    return h->header == std::get<codec::FrameHeaderEvent>(b).header;
  if (const auto* m = std::get_if<codec::MessageEvent>(&a)) {
    const auto& n = std::get<codec::MessageEvent>(b);
    return m->opcode == n.opcode && m->data == n.data && m->rsv == n.rsv;
  }
  if (const auto* p = std::get_if<codec::PingEvent>(&a))
    return p->payload == std::get<codec::PingEvent>(b).payload;
  if (const auto* p = std::get_if<codec::PongEvent>(&a))
    return p->payload == std::get<codec::PongEvent>(b).payload;
  if (const auto* c = std::get_if<codec::CloseFrameEvent>(&a)) {
    const auto& d = std::get<codec::CloseFrameEvent>(b);
    return c->code == d.code && c->reason == d.reason && c->payload == d.payload;
  }
  return std::get<codec::FailureEvent>(a).error == std::get<codec::FailureEvent>(b).error;
}

// The reader's state at the end of a run: failed() and close_received() agree with the events.
void check_end_state(const codec::Reader& r, const std::vector<codec::ReaderEvent>& events) {
  FUZZ_CHECK(r.failed() ==
             (!events.empty() && std::holds_alternative<codec::FailureEvent>(events.back())));
  FUZZ_CHECK(r.close_received() ==
             (!events.empty() && std::holds_alternative<codec::CloseFrameEvent>(events.back())));
}

Transcript run_whole(const codec::ReaderOptions& o, std::span<const uint8_t> stream) {
  codec::Reader r(o);
  Transcript t;
  r.feed(stream);
  t.events = r.take_events();
  // After-close bytes are kept apart (see Transcript), in the order they came.
  std::erase_if(t.events, [&](codec::ReaderEvent& e) {
    auto* a = std::get_if<codec::AfterCloseEvent>(&e);
    if (a != nullptr) t.after_close.insert(t.after_close.end(), a->bytes.begin(), a->bytes.end());
    return a != nullptr;
  });
  t.discarded = r.discarded_bytes();
  t.after_close_count = r.after_close_bytes();
  check_end_state(r, t.events);
  return t;
}

// Feeds the stream cut at `cuts` and checks, as the events come, that they are the whole run's
// (after-close bytes compared joined, since they arrive as read); returns the bytes discarded,
// which may differ.
uint64_t check_pieces(const codec::ReaderOptions& o, std::span<const uint8_t> stream,
                      const std::vector<size_t>& cuts, const Transcript& whole) {
  codec::Reader r(o);
  size_t events = 0;       // protocol events seen so far
  size_t after_close = 0;  // after-close bytes seen so far
  size_t from = 0;
  for (size_t k = 0; k <= cuts.size(); ++k) {
    const size_t to = k < cuts.size() ? cuts[k] : stream.size();
    r.feed(stream.subspan(from, to - from));
    from = to;
    for (const auto& e : r.take_events()) {
      if (const auto* a = std::get_if<codec::AfterCloseEvent>(&e)) {
        FUZZ_CHECK(a->bytes.size() <= whole.after_close.size() - after_close);
        FUZZ_CHECK(
            std::equal(a->bytes.begin(), a->bytes.end(),
                       whole.after_close.begin() + static_cast<std::ptrdiff_t>(after_close)));
        after_close += a->bytes.size();
        continue;
      }
      FUZZ_CHECK(events < whole.events.size());
      FUZZ_CHECK(same_event(e, whole.events[events]));
      ++events;
    }
  }
  FUZZ_CHECK(events == whole.events.size());
  FUZZ_CHECK(after_close == whole.after_close.size());
  FUZZ_CHECK(r.after_close_bytes() == whole.after_close_count);
  // Its events are the whole run's (checked above), so those stand for them here.
  check_end_state(r, whole.events);
  return r.discarded_bytes();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Input in = fuzz::split_input(data, size);
  codec::ReaderOptions o;
  o.role = (in.config & 0x40) != 0 ? codec::Role::server : codec::Role::client;
  o.max_message_size = uint64_t{1} << (4 + (in.config & 0xF));  // 16 B .. 512 KiB
  o.validate_utf8 = (in.config & 0x10) == 0;
  o.allowed_rsv = (in.config & 0x20) != 0 ? codec::rsv::rsv1 : 0;
  o.max_after_close_bytes = 64;

  fuzz::AllocGuard guard;
  const Transcript whole = run_whole(o, in.stream);
  // At most one event per byte, in a vector that may double.
  const size_t bound = 2 * std::max<size_t>(o.max_message_size, in.stream.size()) +
                       2 * in.stream.size() * sizeof(codec::ReaderEvent) + 4096;
  FUZZ_CHECK(guard.largest() <= bound);
  const uint64_t pieces_discarded = check_pieces(o, in.stream, in.cuts, whole);
  // Where a failure is found depends on the split (a payload is judged a piece at a time).
  FUZZ_CHECK(whole.discarded <= in.stream.size() && pieces_discarded <= in.stream.size());
  FUZZ_CHECK(whole.after_close.size() == std::min<uint64_t>(whole.after_close_count, 64));
  FUZZ_CHECK(whole.discarded == 0 || whole.after_close_count == 0);
  // The after-close bytes are the stream's tail, as it arrived.
  FUZZ_CHECK(whole.after_close_count <= in.stream.size());
  const size_t tail = in.stream.size() - static_cast<size_t>(whole.after_close_count);
  FUZZ_CHECK(std::equal(whole.after_close.begin(), whole.after_close.end(),
                        in.stream.begin() + static_cast<std::ptrdiff_t>(tail)));

  for (size_t i = 0; i < whole.events.size(); ++i) {
    const auto& e = whole.events[i];
    const bool last = i + 1 == whole.events.size();
    if (const auto* f = std::get_if<codec::FailureEvent>(&e)) {
      FUZZ_CHECK(last);
      FUZZ_CHECK(f->error == codec::error_of(f->error.rule));
      FUZZ_CHECK(f->error.rule != codec::Rule::unspecified);
      const uint16_t code = f->error.close_code;
      FUZZ_CHECK(code == 1002 || code == 1007 || code == 1009);
    }
    if (const auto* c = std::get_if<codec::CloseFrameEvent>(&e)) {
      FUZZ_CHECK(last);
      FUZZ_CHECK(c->code == codec::close_code::no_status || codec::is_valid_close_code(c->code));
      FUZZ_CHECK(c->payload.size() <= codec::max_control_payload);
    }
    if (const auto* m = std::get_if<codec::MessageEvent>(&e)) {
      FUZZ_CHECK(m->data.size() <= o.max_message_size);
      if (m->opcode == codec::Opcode::text && o.validate_utf8 && m->rsv == 0) {
        FUZZ_CHECK(fuzz::reference_utf8_failure(m->data) == -1);
      }
    }
  }
  return 0;
}
