#pragma once
// Judging a case as Autobahn does: behavior from the events received against the case's OK and
// NON-STRICT lists, behaviorClose from its close expectation (autobahn-cases.md 2.2-2.3), plus
// wsprobe's rule that dropping TCP where RFC 6455 7.1.7 asks for a close frame is NON-STRICT.

#include <string>
#include <vector>

#include "engine/catalogue.hpp"
#include "engine/result.hpp"

namespace wsprobe::harness {

// What the run observed, beyond what CaseResult already holds.
struct Observation {
  const std::vector<Expected>& received;  // events in order, pause markers included
  bool truncated;                         // more events came than were kept
  bool violation;                         // the peer broke the protocol
  bool received_close;                    // the peer sent a close frame
  std::string peer;                       // "the server" or "the client", for reasons
};

// Sets r.behavior, r.behavior_close and, if empty, r.reason. Expects r.received, r.expected,
// r.closed_by_me, r.was_clean, r.dropped_by_me and r.remote_close_code to be filled in.
void judge(const Case& c, const Observation& seen, CaseResult& r);

}  // namespace wsprobe::harness
