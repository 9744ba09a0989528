#include "engine/verdict.hpp"

#include <algorithm>

namespace wsprobe::harness {
namespace {

std::string join(const std::vector<std::string>& items) {
  if (items.empty()) return "nothing";
  std::string s;
  for (const auto& i : items)
    s += (s.empty() ? "" : ", ") + i;
  return s;
}
std::string join_codes(const std::vector<uint16_t>& codes) {
  std::string s;
  for (auto c : codes)
    s += (s.empty() ? "" : " or ") + std::to_string(c);
  return s;
}

// Whether a longer wait could have changed a non-OK verdict: the expected events had only begun
// to arrive when the kill timer fired, or a close verdict came from a timer (the peer did not
// fail the connection, answer our close or close TCP in time). A mismatch already received, a
// violation or a wrong close code stays whatever the timers.
void judge_timing(const Case& c, const Observation& seen, CaseResult& r) {
  const bool killed = (r.timers & timer_kill) != 0;
  const bool incomplete = !seen.truncated && !seen.violation &&
                          (c.ok.pending_after(seen.received) ||
                           (c.non_strict && c.non_strict->pending_after(seen.received)));
  const bool behavior_timed = r.behavior != Behavior::ok && killed && incomplete;
  const bool wrong_endpoint =
      r.behavior_close == CloseBehavior::failed && r.closed_by_me != c.close.closed_by_me;
  const bool kill_matters = behavior_timed || (killed && wrong_endpoint);
  const bool closing_matters = (r.timers & (timer_close | timer_drop)) != 0 &&
                               (r.behavior_close == CloseBehavior::unclean ||
                                r.behavior_close == CloseBehavior::failed_by_client ||
                                r.behavior_close == CloseBehavior::failed);
  r.timer_decided = kill_matters || closing_matters || (r.timers & timer_open) != 0;
  r.timer_server_wide = r.timer_decided && !kill_matters && (r.timers & timer_open) == 0;
}

}  // namespace

void judge(const Case& c, const Observation& seen, CaseResult& r) {
  const auto& close = c.close;
  const std::string& peer = seen.peer;
  std::string why;
  if (seen.violation) {
    r.behavior = Behavior::failed;
  } else if (!seen.truncated && c.ok.matched_by(seen.received)) {
    r.behavior = Behavior::ok;
  } else if (!seen.truncated && c.non_strict && c.non_strict->matched_by(seen.received)) {
    r.behavior = Behavior::non_strict;
    why = peer + " did not do what the RFC recommends (received: " + join(r.received) + ")";
  } else {
    r.behavior = Behavior::failed;
    why = "expected " + join(r.expected) + ", received " + join(r.received);
  }
  // Autobahn's close verdict, in its order (autobahn-cases.md 2.3).
  if (close.drop) {
    // The server went away without a close frame (closing.cpp): the client must close its side.
    r.behavior_close = r.dropped_by_me ? CloseBehavior::failed : CloseBehavior::ok;
    if (r.dropped_by_me) {
      r.behavior = Behavior::failed;
      if (why.empty()) {
        why = peer +
              " kept the connection open after the server closed TCP without a close frame: it "
              "hung (RFC 6455 7.1.1: the connection is closed then; 7.1.5: with the code 1006)";
      }
    }
  } else if (close.closed_by_me != r.closed_by_me) {
    r.behavior_close = CloseBehavior::failed;
    if (why.empty()) {
      why = close.closed_by_me ? peer + " closed the connection first"
                               : peer + " did not fail the connection; the tester had to close it";
    }
  } else if (close.require_clean && !r.was_clean) {
    r.behavior_close = CloseBehavior::unclean;
    if (why.empty()) why = "the closing handshake did not complete cleanly";
  } else if (r.remote_close_code && std::find(close.codes.begin(), close.codes.end(),
                                              *r.remote_close_code) == close.codes.end()) {
    r.behavior_close = CloseBehavior::wrong_code;
    if (why.empty()) {
      why = peer + " closed with " + std::to_string(*r.remote_close_code) + ", expected " +
            join_codes(close.codes);
    }
    if (c.close.wrong_code_fails) r.behavior = Behavior::failed;  // as Autobahn's 7.x cases
  } else if (r.dropped_by_me) {
    r.behavior_close = CloseBehavior::failed_by_client;
    if (why.empty())
      why = "the server did not close TCP after the closing handshake (RFC 6455 7.1.1)";
  } else {
    r.behavior_close = CloseBehavior::ok;
  }
  if (close.wrong_endpoint_fatal && close.closed_by_me != r.closed_by_me)
    r.behavior = Behavior::failed;
  // A server that fails the connection by dropping TCP, where RFC 6455 7.1.7 says it SHOULD
  // send a close frame first, is NON-STRICT, not OK.
  const bool failure_expected =
      std::find(close.codes.begin(), close.codes.end(), 1000) == close.codes.end();
  if (r.behavior == Behavior::ok && failure_expected && !seen.received_close && !seen.violation) {
    r.behavior = Behavior::non_strict;
    why = r.dropped_by_me
              ? peer +
                    " sent no close frame; the tester dropped TCP (RFC 6455 7.1.7: the peer "
                    "SHOULD fail the connection with a close frame)"
              : peer + " dropped TCP without a close frame (RFC 6455 7.1.7: it SHOULD send one)";
  }
  judge_timing(c, seen, r);
  if (c.informational) {
    r.behavior = Behavior::informational;
    r.behavior_close = CloseBehavior::informational;
  }
  if (r.reason.empty()) r.reason = why;
}

}  // namespace wsprobe::harness
