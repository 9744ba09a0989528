// Fuzz target: the connection state machine in one role (WSPROBE_FUZZ_SERVER picks the server),
// fed the input's stream with the input's read boundaries.
// Oracles: events and replies do not depend on the split; what the connection sends is valid
// RFC 6455 for its role (the peer's parser accepts it: masking, control sizes, close codes); a
// failure carries 1002, 1007 or 1009 and is the last event; text messages are valid UTF-8 by the
// reference decoder; messages respect the size limit; allocation stays within the limits.

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

struct Transcript {
  std::vector<codec::Event> events;
  std::vector<uint8_t> sent;
};

bool same_event(const codec::Event& a, const codec::Event& b) {
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

Transcript run_whole(const codec::ConnectionOptions& o, std::span<const uint8_t> stream, bool eof) {
  codec::Connection c(o);
  c.receive(stream);
  Transcript t{c.events(), c.bytes_to_send()};
  if (eof) {
    c.receive_eof();
    for (auto& e : c.events())
      t.events.push_back(std::move(e));
  }
  return t;
}

// Feeds the stream cut at `cuts` and checks, as the events and bytes come, that they are the
// whole run's: nothing is collected a second time.
void check_pieces(const codec::ConnectionOptions& o, std::span<const uint8_t> stream,
                  const std::vector<size_t>& cuts, bool eof, const Transcript& whole) {
  codec::Connection c(o);
  size_t events = 0;  // events seen so far
  size_t sent = 0;    // bytes sent so far
  const auto take_events = [&] {
    for (const auto& e : c.events()) {
      FUZZ_CHECK(events < whole.events.size());
      FUZZ_CHECK(same_event(e, whole.events[events]));
      ++events;
    }
  };
  size_t from = 0;
  for (size_t k = 0; k <= cuts.size(); ++k) {
    const size_t to = k < cuts.size() ? cuts[k] : stream.size();
    c.receive(stream.subspan(from, to - from));
    from = to;
    take_events();
    const auto out = c.bytes_to_send();
    FUZZ_CHECK(out.size() <= whole.sent.size() - sent);
    FUZZ_CHECK(
        std::equal(out.begin(), out.end(), whole.sent.begin() + static_cast<std::ptrdiff_t>(sent)));
    sent += out.size();
  }
  if (eof) {
    c.receive_eof();
    take_events();
  }
  FUZZ_CHECK(events == whole.events.size());
  FUZZ_CHECK(sent == whole.sent.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Input in = fuzz::split_input(data, size);
  codec::ConnectionOptions o;
  o.role = role;
  o.max_message_size = uint64_t{1} << (4 + (in.config & 0xF));  // 16 B .. 512 KiB
  o.validate_utf8 = (in.config & 0x10) == 0;
  o.random = codec::counting_random(in.config);
  const bool eof = (in.config & 0x20) != 0;

  fuzz::AllocGuard guard;
  const Transcript whole = run_whole(o, in.stream, eof);
  // Memory follows what arrived (messages up to the limit, one event per frame of at least two
  // bytes), never what a header claims.
  const size_t bound = 2 * std::max<size_t>(o.max_message_size, in.stream.size()) +
                       in.stream.size() * sizeof(codec::Event) + 4096;
  FUZZ_CHECK(guard.largest() <= bound);
  check_pieces(o, in.stream, in.cuts, eof, whole);

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

  // What we sent must pass the peer's checks, and carry only sendable close codes.
  codec::FrameParserOptions peer;
  peer.role = role == codec::Role::client ? codec::Role::server : codec::Role::client;
  const auto sent = vectors::parse_whole(peer, whole.sent);
  FUZZ_CHECK(!sent.error && !sent.mid_frame);
  size_t closes = 0;
  for (const auto& f : sent.frames) {
    FUZZ_CHECK(f.header.fin && codec::is_control(f.header.opcode));  // pongs and closes only
    if (f.header.opcode == 0x8) {
      ++closes;
      FUZZ_CHECK(codec::parse_close_payload(f.payload).ok());
    }
  }
  FUZZ_CHECK(closes <= 1);
  if (closes == 1) FUZZ_CHECK(sent.frames.back().header.opcode == 0x8);  // nothing after close
  return 0;
}
