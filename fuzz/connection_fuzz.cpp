// Fuzz target: the connection state machine in one role (WSPROBE_FUZZ_SERVER picks the server),
// fed the input's stream with the input's read boundaries.
// Oracles: events and replies do not depend on the split (checked to the end of the stream up to
// 512 bytes, and past that when config bit 0x40 asks; else on its first 512 bytes); what the
// connection sends is valid RFC 6455 for its role (the peer's parser accepts it: masking, control
// sizes, close codes); a failure carries 1002, 1007 or 1009 and is the last event; text messages
// are valid UTF-8 by the reference decoder; messages respect the size limit; allocation stays
// within the limits.

#include <sanitizer/asan_interface.h>  // no-op macros unless built with AddressSanitizer

#include <array>
#include <string>

#include "frame_log.hpp"
#include "fuzz_support.hpp"
#include "wsprobe/close.hpp"
#include "wsprobe/connection.hpp"

using namespace wsprobe;

namespace {

#ifdef WSPROBE_FUZZ_SERVER
constexpr codec::Role role = codec::Role::server;
#else
constexpr codec::Role role = codec::Role::client;
#endif

// Streams up to this long are always fed a second time in pieces to the end; longer ones to the
// end when the input asks, else up to here (see LLVMFuzzerTestOneInput).
constexpr size_t pieces_in_full = 512;

// Event storage that outlives the input: emptied, never freed. Connection::take_events() swaps
// storage with the vector it fills, so a connection is lent `spare` first and gives it back last;
// once both vectors have grown, reading events allocates nothing.
struct EventStore {
  std::vector<codec::Event> events;  // what take() took last
  std::vector<codec::Event> spare;

  void lend(codec::Connection& c) { c.take_events(spare); }
  const std::vector<codec::Event>& take(codec::Connection& c) {
    c.take_events(events);
    return events;
  }
  void reclaim(codec::Connection& c) {
    c.take_events(spare);
    FUZZ_CHECK(spare.empty());  // every event was taken
  }
};

struct Transcript {
  const std::vector<codec::Event>& events;  // in the whole run's EventStore
  std::vector<uint8_t> sent;
};

WSPROBE_ORACLE_LOOP bool same_event(const codec::Event& a, const codec::Event& b) {
  if (a.index() != b.index()) return false;
  if (const auto* m = std::get_if<codec::MessageEvent>(&a)) {
    const auto& n = std::get<codec::MessageEvent>(b);
    return m->opcode == n.opcode && m->data == n.data;
  }
  if (const auto* p = std::get_if<codec::PingEvent>(&a))
    return p->payload == std::get<codec::PingEvent>(b).payload;
  if (const auto* p = std::get_if<codec::PongEvent>(&a))
    return p->payload == std::get<codec::PongEvent>(b).payload;
  if (const auto* c = std::get_if<codec::CloseEvent>(&a)) {
    const auto& d = std::get<codec::CloseEvent>(b);
    return c->code == d.code && c->reason == d.reason && c->remote == d.remote;
  }
  return std::get<codec::FailureEvent>(a).error == std::get<codec::FailureEvent>(b).error;
}

// The stream in one read. The end of the transport, if any, comes after the bytes to send are
// taken, as in check_pieces(); its event follows the others.
Transcript run_whole(const codec::ConnectionOptions& o, std::span<const uint8_t> stream, bool eof,
                     EventStore& store) {
  codec::Connection c(o);
  store.lend(c);
  c.receive(stream);
  std::vector<uint8_t> sent = c.bytes_to_send();
  if (eof) c.receive_eof();
  const auto& events = store.take(c);
  store.reclaim(c);
  return {events, std::move(sent)};
}

// Compares the events taken since the last call with the whole run's, from `seen` on.
WSPROBE_ORACLE_LOOP void match_events(const std::vector<codec::Event>& got, const Transcript& whole,
                                      size_t& seen) {
  for (const auto& e : got) {
    FUZZ_CHECK(seen < whole.events.size());
    FUZZ_CHECK(same_event(e, whole.events[seen]));
    ++seen;
  }
}

// Feeds the first `end` bytes of the stream cut at `cuts` (and at `end`) and checks, as the
// events and bytes come, that they are the whole run's: nothing is collected a second time. Fed a
// prefix, the connection has seen only part of what the whole run saw, so what it reported must
// be the start of the whole run's events and bytes (they are reported as soon as they are read);
// the totals and the end of the transport are checked only when the whole stream went in. The
// pieces are unmasked in place (receive_in_place(), what an I/O layer calls; the whole run takes
// the copying receive()) in a copy of the stream kept from one input to the next; under ASan its
// bytes past the current piece are poisoned, so a read or write beyond the piece is caught as
// with a buffer of its own.
WSPROBE_ORACLE_LOOP void check_pieces(const codec::ConnectionOptions& o,
                                      std::span<const uint8_t> stream,
                                      const std::vector<size_t>& cuts, size_t end, bool eof,
                                      const Transcript& whole, EventStore& store) {
  const bool all = end == stream.size();
  thread_local std::vector<uint8_t> copy;
  copy.assign(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(end));
  ASAN_POISON_MEMORY_REGION(copy.data(), copy.size());
  codec::Connection c(o);
  store.lend(c);
  size_t events = 0;  // events seen so far
  size_t sent = 0;    // bytes sent so far
  size_t from = 0;
  for (size_t k = 0; k <= cuts.size() && from < end; ++k) {
    const size_t to = k < cuts.size() ? std::min(cuts[k], end) : end;
    ASAN_UNPOISON_MEMORY_REGION(copy.data() + from, to - from);
    c.receive_in_place(std::span(copy).subspan(from, to - from));
    from = to;
    match_events(store.take(c), whole, events);
    const auto out = c.bytes_to_send();
    FUZZ_CHECK(out.size() <= whole.sent.size() - sent);
    FUZZ_CHECK(
        std::equal(out.begin(), out.end(), whole.sent.begin() + static_cast<std::ptrdiff_t>(sent)));
    sent += out.size();
  }
  if (all && eof) {
    c.receive_eof();
    match_events(store.take(c), whole, events);
  }
  store.reclaim(c);
  ASAN_UNPOISON_MEMORY_REGION(copy.data(), copy.size());
  if (all) {
    FUZZ_CHECK(events == whole.events.size());
    FUZZ_CHECK(sent == whole.sent.size());
  }
}

// The properties of the whole run's events (see the top of the file).
WSPROBE_ORACLE_LOOP void check_events(const codec::ConnectionOptions& o, const Transcript& whole) {
  for (size_t i = 0; i < whole.events.size(); ++i) {
    const auto& e = whole.events[i];
    const bool last = i + 1 == whole.events.size();
    if (const auto* f = std::get_if<codec::FailureEvent>(&e)) {
      const uint16_t code = f->error.close_code;
      FUZZ_CHECK(code == 1002 || code == 1007 || code == 1009);
      FUZZ_CHECK(last);  // failed once, then everything is discarded (RFC 6455 7.1.7)
    }
    if (const auto* c = std::get_if<codec::CloseEvent>(&e)) {
      FUZZ_CHECK(last);  // nothing is processed after a close frame or the end of the transport
      if (c->remote)
        FUZZ_CHECK(c->code == codec::close_code::no_status || codec::is_valid_close_code(c->code));
    }
    if (const auto* m = std::get_if<codec::MessageEvent>(&e)) {
      FUZZ_CHECK(m->data.size() <= o.max_message_size);
      if (m->opcode == codec::Opcode::text && o.validate_utf8) {
        FUZZ_CHECK(fuzz::reference_utf8_failure(m->data) == -1);
      }
    }
  }
}

// What we sent must pass the peer's checks (every frame whole and valid for the peer's parser:
// masking, control sizes), and be pongs, then at most one close frame, with a sendable code.
// Read with a FrameParser directly (the peer unmasks `sent` in place; it is not needed after):
// the close payload is held in the frame's 125 bytes, nothing is allocated.
WSPROBE_ORACLE_LOOP void check_sent(std::vector<uint8_t>& sent) {
  using Kind = codec::FrameEvent::Kind;
  codec::FrameParserOptions peer;
  peer.role = role == codec::Role::client ? codec::Role::server : codec::Role::client;
  codec::FrameParser parser(peer);
  std::span<uint8_t> rest(sent);
  std::array<uint8_t, codec::max_control_payload> close{};
  size_t close_size = 0;
  size_t closes = 0;
  for (auto ev = parser.next(rest); ev.kind != Kind::need_more; ev = parser.next(rest)) {
    FUZZ_CHECK(ev.kind != Kind::error);
    if (ev.kind == Kind::header) {
      FUZZ_CHECK(closes == 0);  // nothing after the close frame
      FUZZ_CHECK(ev.header->fin && codec::is_control(ev.header->opcode));  // pongs and closes
      if (ev.header->opcode == 0x8) ++closes;
    }
    if (ev.kind == Kind::payload && ev.header->opcode == 0x8) {
      FUZZ_CHECK(ev.payload.size() <= close.size() - close_size);
      std::copy(ev.payload.begin(), ev.payload.end(), close.begin() + close_size);
      close_size += ev.payload.size();
    }
    if (ev.kind == Kind::end && ev.header->opcode == 0x8) {
      FUZZ_CHECK(codec::parse_close_payload(std::span(close).first(close_size)).ok());
    }
  }
  FUZZ_CHECK(parser.at_frame_boundary());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  thread_local fuzz::Input in;  // its memory kept from one input to the next
  fuzz::split_input(data, size, in);
  codec::ConnectionOptions o;
  o.role = role;
  o.max_message_size = uint64_t{1} << (4 + (in.config & 0xF));  // 16 B .. 512 KiB
  o.validate_utf8 = (in.config & 0x10) == 0;
  o.random = codec::counting_random(in.config);
  const bool eof = (in.config & 0x20) != 0;

  thread_local EventStore whole_events;
  thread_local EventStore piece_events;
  fuzz::AllocGuard guard;
  Transcript whole = run_whole(o, in.stream, eof, whole_events);
  // Memory follows what arrived (messages up to the limit, one event per frame of at least two
  // bytes), never what a header claims.
  const size_t bound = 2 * std::max<size_t>(o.max_message_size, in.stream.size()) +
                       in.stream.size() * sizeof(codec::Event) + 4096;
  FUZZ_CHECK(guard.largest() <= bound);
  // Without read boundaries the pieces are the whole stream: the same run again. A stream over
  // pieces_in_full bytes is fed whole in pieces when the input asks (config bit 0x40), else up to
  // there: the second run costs what the first does, and the long streams (a sixth of the
  // inputs of a campaign) took two thirds of the bytes read. Every input with read boundaries is
  // checked; short ones and the long ones that ask, to the end.
  if (!in.cuts.empty()) {
    const bool in_full = in.stream.size() <= pieces_in_full || (in.config & 0x40) != 0;
    check_pieces(o, in.stream, in.cuts, in_full ? in.stream.size() : pieces_in_full, eof, whole,
                 piece_events);
  }

  check_events(o, whole);
  check_sent(whole.sent);
  // The events go with the input, their storage stays: a run that ended holding memory it
  // allocated would look like a leak to libFuzzer, which then runs the input again to check.
  whole_events.events.clear();
  piece_events.events.clear();
  return 0;
}
