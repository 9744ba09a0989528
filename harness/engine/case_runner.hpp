#pragma once
// Runs one case against one server over a raw byte transport and judges it as Autobahn does
// (behavior and behaviorClose), with every frame sent and received logged as evidence. Every
// wait is bounded: a silent, dribbling or hostile server yields a verdict within the case's
// timeouts, and what it claims never makes the tester allocate beyond its own limit.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/catalogue.hpp"
#include "net/transport.hpp"
#include "wsprobe/http.hpp"

namespace wsprobe::harness {

struct RunOptions {
  double timeout_scale = 1.0;
  TlsOptions tls;
  uint64_t max_receive = uint64_t{64} << 20;  // the tester's own message limit
  std::string agent;
};

struct Evidence {
  double t_ms;  // since the case started
  char dir;     // '>' sent, '<' received, '*' a note
  std::string text;
};

struct CaseResult {
  std::string id;
  std::string behavior = "FAILED";  // OK, NON-STRICT, INFORMATIONAL, UNIMPLEMENTED, FAILED
  std::string behavior_close =
      "FAILED";        // OK, FAILED, WRONG CODE, UNCLEAN, FAILED BY CLIENT, INFORMATIONAL
  std::string reason;  // one line: why
  int64_t duration_ms = 0;
  std::optional<uint16_t> remote_close_code;
  std::string remote_close_reason;
  std::optional<uint16_t> local_close_code;
  bool connected = false;
  bool closed_by_me = false;
  bool was_clean = false;
  bool dropped_by_me = false;
  std::string http_request;
  std::string http_response;
  std::vector<std::string> expected;  // the OK events, described
  std::vector<std::string> received;  // what arrived, described
  std::vector<Evidence> log;

  // The case counts as failed: a MUST broken (Autobahn's FAILED, WRONG CODE or UNCLEAN).
  [[nodiscard]] bool failed() const;
};

CaseResult run_case(const Case& c, const Url& url, const RunOptions& options);

// The same case with the tester as the server (Autobahn fuzzingserver's role): the client under
// test has connected and sent `request` (and `leftover` after it); the tester answers the
// handshake and runs the case. Frames the tester sends are unmasked unless the case tests
// masking (then inverted: a client must fail a masked frame), and it closes TCP first.
CaseResult run_case_as_server(const Case& c, std::unique_ptr<Transport> transport,
                              const codec::HttpRequest& request, std::vector<uint8_t> leftover,
                              const RunOptions& options);

}  // namespace wsprobe::harness
