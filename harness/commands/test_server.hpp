#pragma once
// `wsprobe test-server URL...`: runs the selected cases against each server (Autobahn
// fuzzingclient's role), in parallel on separate connections, and writes the reports.

#include <optional>
#include <string>
#include <vector>

#include "engine/case_runner.hpp"

namespace wsprobe::harness {

struct TestServerOptions {
  std::vector<std::string> urls;
  std::vector<std::string> agents;  // one per URL, in order; default host:port
  std::vector<std::string> cases;   // include patterns
  std::vector<std::string> exclude;
  std::string spec;                         // Autobahn fuzzingclient spec JSON
  std::vector<std::string> catalogue_dirs;  // case files added to the built-in ones
  bool builtin_cases = true;                // false: only the cases in catalogue_dirs
  std::string json_path;
  std::string junit_path;
  std::string report_dir;
  // Cases in parallel, each on its own connection: most of a case is waiting on timers, so
  // parallel runs keep a slow or silent server from costing minutes.
  unsigned jobs = 16;
  std::optional<uint64_t> seed;  // fixes masking keys and nonces; default: drawn at random
  bool confirm = true;           // re-run timer-decided non-OK verdicts with timeouts x4
  double timeout_scale = 1.0;
  uint64_t limit = uint64_t{16} << 20;  // the servers' message limit, for the limits cases
  std::string ca_file;
  bool list_only = false;
  bool skip_slow = false;              // leave out the cases the catalogue marks slow
  bool verbose = false;                // one progress line per case
  std::vector<std::string> baselines;  // one per URL, in order: gate on changes against it
  bool update_baseline = false;        // (re)write each baseline from this run
  // A health check after every case, not only the robustness area's (engine/health.hpp).
  bool health_check = false;
  // Watch the server's process (engine/server_watch.hpp): a running one, or one started here.
  std::optional<int> server_pid;
  std::string server_cmd;
};

// 0: nothing FAILED (with baselines: no case worse than its baseline); 1: something did; 2: usage
// error, an unreachable server, or a baseline that cannot be read or written.
int test_server(TestServerOptions options);

}  // namespace wsprobe::harness
