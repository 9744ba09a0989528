#pragma once
// Runs one case against one peer and judges it as Autobahn does (behavior and behaviorClose),
// with every frame sent and received logged as evidence. Every wait is bounded: a silent,
// dribbling or hostile peer yields a verdict within the case's timeouts, and what it sends or
// claims never makes the tester hold more than the case can legitimately get back.
//
// The pieces, one file each: opening (the handshake in either role), sender (the frames a step
// writes), receiver (the codec's Reader plus the record), conversation (writing without ever
// interleaving, reading, replies at frame boundaries), closing (Autobahn's timers), verdict
// (judging). This file ties them together and confirms timer-decided verdicts.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/catalogue.hpp"
#include "engine/result.hpp"
#include "net/transport.hpp"
#include "wsprobe/http.hpp"

namespace wsprobe::harness {

struct RunOptions {
  double timeout_scale = 1.0;
  TlsOptions tls;
  std::string agent;
  uint64_t seed = 0;  // masking keys and nonces derive from it and the case id
  // Re-run a case whose non-OK verdict came from a timer, with every timeout x this, before
  // reporting it (0: never).
  double confirm_factor = 4.0;
};

// The largest message the case holds at once: the largest it sends from memory (a generated
// payload is streamed), or expects back (with room for a wrong one as evidence). test-server's
// MemoryBudget admits cases by it.
uint64_t largest_message(const Case& c);

// One run of the case, as the client (Autobahn fuzzingclient's role).
CaseResult run_case_once(const Case& c, const Url& url, const RunOptions& options);

// The case as the client, a timer-decided non-OK verdict confirmed by a second run with every
// timeout x options.confirm_factor. `confirm` is asked before the second run: it may decide the
// verdict is confirmed already (a pattern the same server showed on earlier cases).
class Confirmer;
CaseResult run_case(const Case& c, const Url& url, const RunOptions& options,
                    Confirmer* confirmer = nullptr);

// The same case with the tester as the server (Autobahn fuzzingserver's role): the client under
// test has connected and sent `request` (and `leftover` after it); the tester answers the
// handshake and runs the case. Frames the tester sends are unmasked unless the case tests
// masking (then inverted: a client must fail a masked frame), and it closes TCP first.
CaseResult run_case_as_server(const Case& c, std::unique_ptr<Transport> transport,
                              const codec::HttpRequest& request, std::vector<uint8_t> leftover,
                              const RunOptions& options);

// Confirmation by pattern, shared by the cases of one server: once `needed` verdicts decided by
// the same closing timers (no close answer, TCP not closed) were each confirmed by a re-run,
// later ones of that kind are reported as confirmed by that pattern instead of being run again (a
// server that never answers a close would otherwise cost every case a second, four times slower
// run). Verdicts the kill timer decided depend on the case, and are always re-run.
class Confirmer {
 public:
  explicit Confirmer(int needed = 3) : needed_(needed) {}
  // The earlier cases that confirm this kind of verdict, or "" when a re-run is needed.
  std::string pattern_for(const std::string& kind);
  void record(const std::string& kind, const std::string& id, bool confirmed);

 private:
  struct Kind {
    std::vector<std::string> confirmed;
    bool broken = false;  // a re-run of this kind gave another verdict: keep re-running
  };
  int needed_;
  std::mutex mu_;
  std::map<std::string, Kind> kinds_;
};

}  // namespace wsprobe::harness
