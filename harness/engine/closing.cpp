#include "engine/closing.hpp"

#include <algorithm>

namespace wsprobe::harness {
namespace {

// Extra events after the expected ones: a moment to catch a duplicate echo.
constexpr double linger_after_expected = 0.02;

// close.drop: the server goes away without a close frame. RFC 6455 7.1.1: once TCP is closed the
// WebSocket connection is closed (7.1.5: with the code 1006), so the client closes its side; we
// half-close and keep reading, to see that it does within the case's time (a close frame from
// it first is allowed: it may try to fail the connection, 7.1.7). One that does not has hung.
void drop_tcp(const Case& c, Conversation& conv, const Receiver& receiver, Wire& wire,
              CaseResult& r) {
  if (!receiver.expected_arrived()) r.timers |= timer_kill;
  wire.note('*', "closing TCP without a close frame (a FIN; the tester still reads)");
  wire.shutdown_write();
  r.closed_by_me = true;  // the tester ended the connection, as the case says
  conv.pump_until(wire.after(c.timeout), [] { return false; });
  if (conv.alive()) {
    r.timers |= timer_drop;
    r.dropped_by_me = true;
    wire.note('*', receiver.peer() + " did not close TCP after the server closed it; dropping it");
    conv.mark_tcp_closed();
  }
  r.was_clean = false;
}

}  // namespace

void finish(const Case& c, bool tester_is_server, Conversation& conv, const Receiver& receiver,
            Wire& wire, CaseResult& r) {
  const auto kill = wire.after(c.timeout);
  const auto& close = c.close;
  auto closed = [&] { return receiver.close_received(); };
  if (close.fc1000) {
    conv.pump_until(kill, [&] { return receiver.expected_arrived() || closed(); });
    if (receiver.expected_arrived() && !closed()) {
      conv.pump_until(wire.after(linger_after_expected), [] { return false; });
    }
  } else if (!close.closed_by_me || !conv.sent_close()) {
    conv.pump_until(kill, closed);  // the peer should fail the connection
  }
  if (close.drop && tester_is_server && conv.alive() && !conv.sent_close() && !closed()) {
    drop_tcp(c, conv, receiver, wire, r);
    return;
  }
  if (conv.alive() && !conv.sent_close()) {
    // Our closing handshake: FC1000, or Autobahn's kill timer (1001, "going away").
    const bool done = close.fc1000 && receiver.expected_arrived();
    if (!done) r.timers |= timer_kill;
    if (!close.fc1000) wire.note('*', "the kill timer fired: the peer never failed the connection");
    conv.send_close(close.fc1000 ? 1000 : 1001,
                    close.fc1000 ? "closing with 1000" : "closing with 1001");
  }
  if (conv.alive() && conv.sent_close() && !closed()) {
    conv.pump_until(wire.after(close_handshake_timeout), closed);
    if (conv.alive() && !closed()) {
      // closeHandshakeTimeout: no close frame answered ours; Autobahn drops TCP at once.
      r.timers |= timer_close;
      r.dropped_by_me = true;
      wire.note('*', receiver.peer() + " did not answer our close frame in time; dropping TCP");
      conv.mark_tcp_closed();
    }
  }
  if (conv.alive() && tester_is_server && conv.sent_close() && closed() && close.linger > 0) {
    // RFC 6455 7.1.1: the client SHOULD wait for the server to close TCP; see whether it does.
    conv.pump_until(wire.after(close.linger), [] { return false; });
    if (conv.tcp_closed()) {
      r.peer_closed_tcp_first = true;
      wire.note('*', receiver.peer() + " closed TCP before the server did (RFC 6455 7.1.1)");
    }
  }
  if (conv.alive() && tester_is_server && conv.sent_close() && closed()) {
    conv.mark_tcp_closed();  // RFC 6455 7.1.1: as the server, we close TCP first
    wire.note('*', "closing TCP (the server closes first)");
  }
  if (conv.alive()) {
    // RFC 6455 7.1.1: the server closes TCP first; we wait for it, then drop it ourselves.
    conv.pump_until(wire.after(server_drop_timeout), [] { return false; });
    if (conv.alive()) {
      r.timers |= timer_drop;
      r.dropped_by_me = true;
      wire.note('*', receiver.peer() + " did not close TCP; closing it");
    }
  }
  r.was_clean = conv.sent_close() && closed() && conv.tcp_closed() && !receiver.violation();
}

}  // namespace wsprobe::harness
