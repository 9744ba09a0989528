#pragma once
// What the tester checks about the server after a case, as Defensics' "valid case" after every
// anomaly: is it still alive? A resource-accounting bug rarely shows on the connection that
// triggers it (the server may close it correctly, then die, stall or balloon), so the health
// check opens a fresh connection and needs a handshake and an echo within 1 s x --timeout-scale.
// A server that fails it is FAILED for the case that broke it ("unresponsive after this case",
// "not listening anymore (crashed?)"), and the run goes on.
//
// Which cases: every case of the robustness area, and every case with --health-check. Cases run
// in parallel (--jobs), so the case blamed is the first whose health check failed, and its
// evidence names the cases that ran beside it; --jobs 1 makes the blame exact. Later failed
// checks note that the server is still down, without blaming their case.
// With a server watch (engine/server_watch.hpp), which runs one case at a time, the server's
// memory per case and its death are judged here too, and a server the watch started is started
// again when it died or stalled.

#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "engine/catalogue.hpp"
#include "engine/result.hpp"
#include "engine/server_watch.hpp"
#include "net/transport.hpp"

namespace wsprobe::harness {

// The area whose cases are always followed by a health check (conformance/cases/robustness.json).
inline constexpr std::string_view health_checked_area = "robustness";
// One health check's bound, before --timeout-scale: connect, handshake, echo, all of it.
inline constexpr double health_check_seconds = 1.0;

enum class Liveness : uint8_t { ok, unresponsive, not_listening };
std::string_view to_string(Liveness l);  // "ok", "unresponsive", "not listening"

struct HealthCheck {
  Liveness liveness = Liveness::ok;
  std::string detail;  // what failed, or how long the echo took
};

// One attempt within `seconds`: connect, opening handshake, a text echo, a close.
HealthCheck probe_health(const Url& url, const TlsOptions& tls, double seconds);
// A confirmed check: a failed attempt is tried again after a short wait with twice the bound, so
// a loaded machine does not fail a case; the second attempt decides.
HealthCheck check_health(const Url& url, const TlsOptions& tls, double timeout_scale);

struct ServerCheckOptions {
  Url url;
  TlsOptions tls;
  double timeout_scale = 1.0;
  bool every_case = false;       // --health-check
  ServerWatch* watch = nullptr;  // --server-pid, --server-cmd
};

// Runs around each case of one server: the watch's sampling during it, the checks after it.
class ServerChecks {
 public:
  explicit ServerChecks(ServerCheckOptions options) : o_(std::move(options)) {}

  [[nodiscard]] bool health_checked(const Case& c) const;
  // Called by each worker around its case; thread-safe.
  void before(const Case& c);
  // Judges what was seen after the case into its result: evidence, and the verdict.
  void after(const Case& c, CaseResult& r);

 private:
  // Blames the case unless the server was down already; true if blamed.
  bool blame(CaseResult& r, const std::string& why);
  void server_died(const std::string& how, CaseResult& r);
  void restart(CaseResult& r);

  ServerCheckOptions o_;
  std::mutex mu_;
  std::multiset<std::string> running_;  // the cases under way
  std::string down_since_;  // the case after which the server stopped answering, until it does
};

}  // namespace wsprobe::harness
