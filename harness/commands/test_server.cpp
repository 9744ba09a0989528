#include "commands/test_server.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <numeric>
#include <thread>

#include "engine/health.hpp"
#include "engine/memory_budget.hpp"
#include "engine/sender.hpp"
#include "report/baseline.hpp"
#include "report/progress.hpp"
#include "report/report.hpp"

namespace wsprobe::harness {
namespace {

// Messages from this size on count against the MemoryBudget (9.1.3 up, the limit cases).
constexpr uint64_t large_message = uint64_t{1} << 20;
// Large messages held at once, at least (the largest case's, when that is more).
constexpr uint64_t large_budget = uint64_t{32} << 20;

int usage_error(const std::string& why) {
  (void)std::fprintf(stderr, "wsprobe test-server: %s\n", why.c_str());
  return 2;
}

// Reads Autobahn's fuzzingclient spec: servers[].url/agent, cases, exclude-cases, outdir.
bool apply_spec(TestServerOptions& o, std::string& error) {
  std::ifstream in(o.spec);
  if (!in) {
    error = "cannot read spec " + o.spec;
    return false;
  }
  try {
    const auto spec = nlohmann::json::parse(in);
    for (const auto& s : spec.value("servers", nlohmann::json::array())) {
      o.urls.push_back(s.at("url").get<std::string>());
      o.agents.push_back(s.value("agent", std::string()));
    }
    for (const auto& c : spec.value("cases", nlohmann::json::array()))
      o.cases.push_back(c.get<std::string>());
    for (const auto& c : spec.value("exclude-cases", nlohmann::json::array()))
      o.exclude.push_back(c.get<std::string>());
    const std::string outdir = spec.value("outdir", std::string("./reports/servers"));
    if (o.report_dir.empty()) o.report_dir = outdir;
    if (o.json_path.empty()) o.json_path = outdir + "/index.json";
  } catch (const std::exception& e) {
    error = o.spec + ": " + e.what();
    return false;
  }
  if (std::find(o.cases.begin(), o.cases.end(), "*") != o.cases.end()) o.cases.clear();
  return true;
}

// A server that answers no opening handshake at all would cost every case its open timeout;
// after a few such cases the rest fail at once, with the reason.
class Breaker {
 public:
  bool tripped() const { return successes_ == 0 && timeouts_ >= 3; }
  void record(const CaseResult& r) {
    if (!r.http_response.empty()) {
      ++successes_;
    } else if (r.connected && r.reason.find("no handshake response") != std::string::npos) {
      ++timeouts_;
    }
  }

 private:
  std::atomic<int> successes_{0};
  std::atomic<int> timeouts_{0};
};

}  // namespace

int test_server(TestServerOptions o) {
  std::string error;
  if (!o.spec.empty() && !apply_spec(o, error)) return usage_error(error);
  if (o.urls.empty() && !o.list_only)
    return usage_error("give at least one server URL (or --spec)");
  if (o.jobs == 0) return usage_error("--jobs must be at least 1");
  if (o.timeout_scale <= 0) return usage_error("--timeout-scale must be positive");
  if (!o.baselines.empty() && o.baselines.size() != o.urls.size())
    return usage_error("give one --baseline per server URL, in order");
  if (o.update_baseline && o.baselines.empty())
    return usage_error("--update-baseline needs --baseline");
  const bool watching = o.server_pid || !o.server_cmd.empty();
  if (o.server_pid && !o.server_cmd.empty())
    return usage_error("--server-pid and --server-cmd exclude each other");
  if (watching && o.urls.size() != 1) return usage_error("a server watch takes one server URL");

  CatalogueOptions co;
  co.limit = o.limit;
  co.dirs = o.catalogue_dirs;
  co.builtin = o.builtin_cases;
  const auto catalogue = load_catalogue(co, error);
  if (!catalogue) return usage_error("catalogue: " + error);
  auto selected = select_cases(*catalogue, o.cases, o.exclude, PeerRole::server);
  if (o.skip_slow) std::erase_if(selected, [](const Case* c) { return c->slow; });
  if (selected.empty()) return usage_error("no case matches the selection");
  if (o.list_only) {
    for (const auto* c : selected) {
      std::printf("%-8s %-15s %s\n", c->id.c_str(), rfc_reference(*c).c_str(),
                  c->description.c_str());
    }
    std::printf("%zu cases\n", selected.size());
    return 0;
  }

  std::vector<Url> urls;
  std::unique_ptr<ServerWatch> watch;
  for (const auto& u : o.urls) {
    auto url = parse_url(u, error);
    if (!url) return usage_error(u + ": " + error);
    if (watching) {
      watch = o.server_pid ? ServerWatch::attach(*o.server_pid, error)
                           : ServerWatch::launch(o.server_cmd, *url, 10.0 * o.timeout_scale, error);
      if (!watch) return usage_error(error);
      if (!memory_watch_supported) {
        (void)std::fprintf(stderr,
                           "wsprobe test-server: warning: no /proc here: the server's "
                           "memory is not watched, only its life\n");
      }
      if (o.jobs > 1) {
        (void)std::fprintf(stderr,
                           "wsprobe test-server: a server watch runs one case at a time "
                           "(--jobs 1), so that memory growth is the case's\n");
      }
      o.jobs = 1;
    }
    // Probe: an unreachable server is a usage error (exit 2), not 280 failed cases.
    auto probe = Transport::connect(*url, Clock::now() + std::chrono::seconds(5),
                                    TlsOptions{o.ca_file}, error);
    if (!probe) return usage_error(error);
    probe->close();
    urls.push_back(*url);
  }

  RunOptions ro;
  ro.timeout_scale = o.timeout_scale;
  ro.tls.ca_file = o.ca_file;
  if (!o.confirm) ro.confirm_factor = 0;
  ro.seed = o.seed ? *o.seed : draw_seed();
  std::printf("seed %llu (replay: --seed %llu)\n", static_cast<unsigned long long>(ro.seed),
              static_cast<unsigned long long>(ro.seed));
  const bool tty = isatty(STDOUT_FILENO) != 0;
  std::vector<ServerRun> runs;
  for (size_t s = 0; s < urls.size(); ++s) {
    ServerRun run;
    run.url = urls[s];
    run.agent = s < o.agents.size() && !o.agents[s].empty() ? o.agents[s] : urls[s].host_header();
    run.cases = selected;
    run.results.resize(selected.size());
    Progress progress(*catalogue, run.agent, selected, Progress::mode_for(tty, o.verbose));
    Breaker breaker;
    Confirmer confirmer;
    ServerChecks checks(
        {run.url, ro.tls, o.timeout_scale, o.health_check, s == 0 ? watch.get() : nullptr});
    std::atomic<size_t> next{0};
    // The longest cases first, so that their waits overlap the rest instead of ending the run
    // alone; results keep the catalogue's order.
    std::vector<size_t> order(selected.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return selected[a]->timeout > selected[b]->timeout;
    });
    // Large messages of several cases at once up to a budget (engine/memory_budget.hpp): the
    // largest case's, and at least large_budget, so that a server that makes every case last its
    // timeout does not make the large cases run one by one.
    uint64_t largest = 0;
    for (const Case* c : selected)
      largest = std::max(largest, largest_message(*c));
    MemoryBudget budget(std::max(largest, large_budget), large_message);
    // A large case that does not fit yet waits here while its worker goes on with the next ones;
    // each worker runs what is left here once the order is done (its own deferrals included, so
    // none is left behind).
    std::mutex deferred_mutex;
    std::deque<size_t> deferred;
    const auto run_one = [&](size_t i, bool wait_for_room) {
      CaseResult r;
      if (breaker.tripped()) {
        r.id = selected[i]->id;
        r.reason = "not run: the server answered no opening handshake in earlier cases";
      } else {
        const MemoryBudget::Hold hold(budget, largest_message(*selected[i]), wait_for_room);
        if (!hold.held()) {
          const std::lock_guard lock(deferred_mutex);
          deferred.push_back(i);
          return;
        }
        checks.before(*selected[i]);
        r = run_case(*selected[i], run.url, ro, &confirmer);
        checks.after(*selected[i], r);
        breaker.record(r);
      }
      progress.done(*selected[i], r);
      run.results[i] = std::move(r);
    };
    const auto started = Clock::now();
    auto worker = [&] {
      for (size_t k = next++; k < selected.size(); k = next++)
        run_one(order[k], false);
      for (;;) {
        size_t i = 0;
        {
          const std::lock_guard lock(deferred_mutex);
          if (deferred.empty()) return;
          i = deferred.front();
          deferred.pop_front();
        }
        run_one(i, true);
      }
    };
    std::vector<std::thread> pool;
    for (unsigned j = 0; j < std::min<size_t>(o.jobs, selected.size()); ++j)
      pool.emplace_back(worker);
    for (auto& t : pool)
      t.join();
    run.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    runs.push_back(std::move(run));
  }

  const size_t failures = print_summary(*catalogue, runs, tty);
  std::optional<size_t> worse;
  if (!o.baselines.empty()) {
    worse = gate_on_baselines(o.baselines, runs, o.update_baseline, tty, error);
    if (!worse) return usage_error(error);
  }
  bool ok = true;
  auto check = [&](bool written, const std::string& what) {
    if (!written) {
      (void)std::fprintf(stderr, "wsprobe test-server: %s\n", error.c_str());
      ok = false;
    } else {
      std::printf("wrote %s\n", what.c_str());
    }
  };
  if (!o.report_dir.empty()) {
    check(write_html(o.report_dir, *catalogue, runs, error), o.report_dir + "/index.html");
    check(write_case_json_files(o.report_dir, runs, error),
          o.report_dir + "/<agent>_case_<id>.json");
  }
  if (!o.json_path.empty()) check(write_json(o.json_path, runs, error), o.json_path);
  if (!o.junit_path.empty()) check(write_junit(o.junit_path, runs, error), o.junit_path);
  if (!ok) return 2;
  return (worse ? *worse : failures) == 0 ? 0 : 1;
}

}  // namespace wsprobe::harness
