#pragma once
// `wsprobe test-client`: listens and runs the catalogue against clients that connect (Autobahn
// fuzzingserver's role), speaking Autobahn's URL protocol so existing client test scripts work
// unchanged: /getCaseCount, /runCase?case=N&agent=A (or casetuple=ID), /updateReports?agent=A.
// The reports follow each case's start and end (report/live_reports.hpp: within a quarter second,
// at a cost linear in the cases run), so a client that crashes or hangs leaves them naming the
// case it reached; /updateReports writes them final. Each agent's masking keys are also judged
// over the whole run (engine/masking.hpp): on stdout, in the exit status and in every report.
// SIGTERM and SIGINT exit at once with the verdict so far: what the last /updateReports said if
// no case ran since, else 1 when a finished case FAILED, else 2 (an incomplete run is no pass).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/case_runner.hpp"

namespace wsprobe::harness {

struct TestClientOptions {
  std::string host = "127.0.0.1";
  std::vector<std::string> cases;
  std::vector<std::string> exclude;
  std::vector<std::string> catalogue_dirs;  // case files added to the built-in ones
  std::string json_path;
  std::string junit_path;
  std::string report_dir;
  std::string cert_file;  // with key_file: wss
  std::string key_file;
  std::string baseline;  // gate each agent's verdicts on changes against this baseline
  double timeout_scale = 1.0;
  uint64_t limit = uint64_t{16} << 20;  // the clients' message limit, for the 17.x cases
  std::optional<uint64_t> seed;         // fixes masking keys; default: drawn at random
  uint16_t port = 9001;                 // 0: a free port, printed on the readiness line
  bool builtin_cases = true;            // false: only the cases in catalogue_dirs
  bool exit_after_report = false;       // exit on /updateReports: 0 nothing FAILED, 1 something did
  bool verbose = false;                 // one progress line per case (default: one per area)
  bool update_baseline = false;         // (re)write the baseline from the (single) agent's run
  // For a client wsprobe starts itself (--browser, commands/browser.hpp): called once listening,
  // with the listener's URL; then polled between connections (at least once a second): a
  // non-empty answer ends the run with exit 2 and that message.
  std::function<void(const std::string& url)> on_listening;
  std::function<std::string()> stop_reason;
};

int test_client(const TestClientOptions& options);

}  // namespace wsprobe::harness
