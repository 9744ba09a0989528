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

}  // namespace

void judge(const Case& c, const Observation& seen, CaseResult& r) {
  const auto& close = c.close;
  const std::string& peer = seen.peer;
  std::string why;
  if (seen.violation) {
    r.behavior = "FAILED";
  } else if (seen.received == c.ok) {
    r.behavior = "OK";
  } else if (c.non_strict && seen.received == *c.non_strict) {
    r.behavior = "NON-STRICT";
    why = peer + " did not do what the RFC recommends (received: " + join(r.received) + ")";
  } else {
    r.behavior = "FAILED";
    why = "expected " + join(r.expected) + ", received " + join(r.received);
  }
  // Autobahn's close verdict, in its order (autobahn-cases.md 2.3).
  if (close.closed_by_me != r.closed_by_me) {
    r.behavior_close = "FAILED";
    if (why.empty()) {
      why = close.closed_by_me ? peer + " closed the connection first"
                               : peer + " did not fail the connection; the tester had to close it";
    }
  } else if (close.require_clean && !r.was_clean) {
    r.behavior_close = "UNCLEAN";
    if (why.empty()) why = "the closing handshake did not complete cleanly";
  } else if (r.remote_close_code && std::find(close.codes.begin(), close.codes.end(),
                                              *r.remote_close_code) == close.codes.end()) {
    r.behavior_close = "WRONG CODE";
    if (why.empty()) {
      why = peer + " closed with " + std::to_string(*r.remote_close_code) + ", expected " +
            join_codes(close.codes);
    }
    if (c.area == "close") r.behavior = "FAILED";  // as Autobahn's 7.x cases
  } else if (r.dropped_by_me) {
    r.behavior_close = "FAILED BY CLIENT";
    if (why.empty())
      why = "the server did not close TCP after the closing handshake (RFC 6455 7.1.1)";
  } else {
    r.behavior_close = "OK";
  }
  if (close.wrong_endpoint_fatal && close.closed_by_me != r.closed_by_me) r.behavior = "FAILED";
  // A server that fails the connection by dropping TCP, where RFC 6455 7.1.7 says it SHOULD
  // send a close frame first, is NON-STRICT, not OK.
  const bool failure_expected =
      std::find(close.codes.begin(), close.codes.end(), 1000) == close.codes.end();
  if (r.behavior == "OK" && failure_expected && !seen.received_close && !seen.violation) {
    r.behavior = "NON-STRICT";
    why = peer + " dropped TCP without a close frame (RFC 6455 7.1.7: it SHOULD send one)";
  }
  if (c.informational) {
    r.behavior = "INFORMATIONAL";
    r.behavior_close = "INFORMATIONAL";
  }
  if (r.reason.empty()) r.reason = why;
}

}  // namespace wsprobe::harness
