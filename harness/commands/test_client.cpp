#include "commands/test_client.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>

#include "commands/client_page.hpp"
#include "engine/sender.hpp"
#include "net/listener.hpp"
#include "report/baseline.hpp"
#include "report/live_reports.hpp"
#include "report/progress.hpp"
#include "report/report.hpp"
#include "wsprobe/connection.hpp"
#include "wsprobe/handshake.hpp"

namespace wsprobe::harness {
namespace {

int fail_usage(const std::string& why) {
  (void)std::fprintf(stderr, "wsprobe test-client: %s\n", why.c_str());
  return 2;
}

// The value of `key` in a query string "a=1&b=2" (no percent-decoding: ids and agents are plain).
std::string query_value(const std::string& target, const std::string& key) {
  const size_t q = target.find('?');
  if (q == std::string::npos) return {};
  std::string rest = target.substr(q + 1);
  size_t at = 0;
  while (at <= rest.size()) {
    size_t amp = rest.find('&', at);
    if (amp == std::string::npos) amp = rest.size();
    const std::string pair = rest.substr(at, amp - at);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      return eq == std::string::npos ? std::string() : pair.substr(eq + 1);
    at = amp + 1;
  }
  return {};
}

// A plain WebSocket exchange for the control URLs: accept, send one text (maybe none), close.
void control_reply(Transport& t, const codec::ServerHandshake& handshake, const std::string& text) {
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  const auto answer = handshake.accept();
  (void)t.write({reinterpret_cast<const uint8_t*>(answer.bytes.data()), answer.bytes.size()},
                deadline);
  if (!answer.accepted()) return;
  codec::ConnectionOptions o;
  o.role = codec::Role::server;
  codec::Connection c(o);
  if (!text.empty()) (void)c.send_text(text);
  (void)c.send_close(1000);
  (void)t.write(c.bytes_to_send(), deadline);
  std::vector<uint8_t> buf(4096);  // the client's close reply, bounded
  while (!c.close_received()) {
    const auto r = t.read_some(buf, deadline);
    if (r.status != IoStatus::ok) break;
    c.receive({buf.data(), r.bytes});
  }
}

// SIGTERM and SIGINT. When the reports on disk name the case reached (LiveReports), stopping
// needs no work: the handler exits at once (_exit and write are async-signal-safe), with the
// verdict so far. When they are behind the run (an update pending, at most LiveReports'
// gap), or being written, it leaves the exit to whoever brings them up to date: the live
// reports' writer (reports_current) or the loop after /updateReports' final reports, so no
// PATH.tmp is left behind and the reports name the last case. The verdict so far: 0 or 1 as
// /updateReports said when no case ran since; otherwise 1 when a finished case FAILED (or an
// agent's masking keys over the whole run did), and 2 (not a pass: the run is incomplete) when
// none did or none ran.
std::atomic<int> exit_code_so_far{2};
std::atomic<bool> writing_reports{false};
std::atomic<bool> reports_behind{false};
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);

constexpr char stopped_message[] =
    "wsprobe test-client: stopped by a signal; the reports name the last case reached\n";

extern "C" void on_stop_signal(int /*signal*/) {
  if (writing_reports.load() || reports_behind.load()) {
    stop_requested.store(true);
    return;
  }
  (void)!::write(STDERR_FILENO, stopped_message, sizeof(stopped_message) - 1);
  ::_exit(exit_code_so_far.load());
}

// Installs on_stop_signal for the run; the previous handlers come back after it.
class StopSignals {
 public:
  StopSignals() {
    struct sigaction a = {};
    a.sa_handler = on_stop_signal;
    a.sa_flags = SA_RESTART;
    (void)sigemptyset(&a.sa_mask);
    (void)sigaction(SIGTERM, &a, &old_term_);
    (void)sigaction(SIGINT, &a, &old_int_);
  }
  ~StopSignals() {
    (void)sigaction(SIGTERM, &old_term_, nullptr);
    (void)sigaction(SIGINT, &old_int_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_term_ = {};
  struct sigaction old_int_ = {};
};

// Marks reports being written (see on_stop_signal); stopped() says a signal came meanwhile.
class WritingReports {
 public:
  WritingReports() { writing_reports.store(true); }
  ~WritingReports() { writing_reports.store(false); }
  WritingReports(const WritingReports&) = delete;
  WritingReports& operator=(const WritingReports&) = delete;
  static bool stopped() {
    if (!stop_requested.load()) return false;
    (void)std::fputs(stopped_message, stderr);
    return true;
  }
};

// LiveReports' hooks: the reports on disk are behind the run, or have caught up with it (then a
// stop signal that came meanwhile exits, unless the final reports are being written).
void reports_behind_run() {
  reports_behind.store(true);
}

void reports_current(bool any_failed) {
  if (!writing_reports.load()) exit_code_so_far.store(any_failed ? 1 : 2);
  reports_behind.store(false);
  if (stop_requested.load() && !writing_reports.load()) {
    (void)std::fputs(stopped_message, stderr);
    (void)std::fflush(stdout);
    ::_exit(exit_code_so_far.load());
  }
}

void report_error(const std::string& error) {
  (void)std::fprintf(stderr, "wsprobe test-client: %s\n", error.c_str());
}

}  // namespace

int test_client(const TestClientOptions& o) {
  std::string error;
  CatalogueOptions co;
  co.limit = o.limit;
  co.dirs = o.catalogue_dirs;
  co.builtin = o.builtin_cases;
  const auto catalogue = load_catalogue(co, error);
  if (!catalogue) return fail_usage("catalogue: " + error);
  const auto selected = select_cases(*catalogue, o.cases, o.exclude, PeerRole::client);
  if (selected.empty()) return fail_usage("no case matches the selection");
  if (o.update_baseline && o.baseline.empty())
    return fail_usage("--update-baseline needs --baseline");

  const auto listener = Listener::open(o.host, o.port, ServerTls{o.cert_file, o.key_file}, error);
  if (!listener) return fail_usage(error);
  const bool tls = !o.cert_file.empty();
  std::printf(
      "listening on %s\n%zu cases: /getCaseCount, /runCase?case=N&agent=A, "
      "/updateReports?agent=A\n",
      listener->url().c_str(), selected.size());
  (void)std::fflush(stdout);
  if (o.on_listening) o.on_listening(listener->url());

  RunOptions ro;
  ro.timeout_scale = o.timeout_scale;
  ro.seed = o.seed ? *o.seed : draw_seed();
  std::printf("seed %llu\n", static_cast<unsigned long long>(ro.seed));
  (void)std::fflush(stdout);  // a stop signal's _exit would drop it: replays need it
  const ReportPaths paths{o.json_path, o.junit_path, o.report_dir};
  const StopSignals stop_signals;
  LiveReports reports(paths, *catalogue, selected, Url{tls, o.host, listener->port(), "/"},
                      {reports_behind_run, reports_current, report_error});
  std::map<std::string, std::unique_ptr<Progress>> progress;  // agent -> its progress
  // Not a live line: the clients drive the pace, and their output may share the terminal.
  const auto progress_mode = Progress::mode_for(false, o.verbose);
  for (;;) {
    if (const std::string why = o.stop_reason ? o.stop_reason() : ""; !why.empty())
      return fail_usage(why);
    auto accepted = listener->accept(Clock::now() + std::chrono::seconds(o.stop_reason ? 1 : 3600));
    if (accepted.status == IoStatus::error)  // a failed TLS handshake, EMFILE (backed off), ...
      (void)std::fprintf(stderr, "wsprobe test-client: %s\n", accepted.message.c_str());
    if (!accepted.transport) continue;
    auto t = std::move(accepted.transport);
    codec::ServerHandshake handshake;
    std::vector<uint8_t> buf(16384);
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (handshake.status() == codec::HandshakeStatus::incomplete) {
      const auto r = t->read_some(buf, deadline);
      if (r.status != IoStatus::ok) break;
      handshake.feed({buf.data(), r.bytes});
    }
    if (handshake.status() == codec::HandshakeStatus::error) {
      control_reply(*t, handshake, "");  // the 400 or 431 the head deserves
      continue;
    }
    if (handshake.status() != codec::HandshakeStatus::complete) continue;
    if (is_client_page_request(handshake)) {  // GET /: this protocol's page, for browsers
      serve_client_page(*t, deadline);
      continue;
    }
    const auto& request = handshake.request();
    const std::vector<uint8_t> leftover(handshake.leftover().begin(), handshake.leftover().end());
    const std::string path = request.target.substr(0, request.target.find('?'));
    const std::string agent = query_value(request.target, "agent").empty()
                                  ? "UnknownClient"
                                  : query_value(request.target, "agent");
    if (path == "/getCaseCount") {
      control_reply(*t, handshake, std::to_string(selected.size()));
    } else if (path == "/runCase") {
      size_t index = selected.size();
      const std::string n = query_value(request.target, "case");
      const std::string id = query_value(request.target, "casetuple");
      for (size_t i = 0; i < selected.size(); ++i) {
        if ((!n.empty() && std::to_string(i + 1) == n) || (!id.empty() && selected[i]->id == id))
          index = i;
      }
      if (index == selected.size()) {
        control_reply(*t, handshake, "");
        continue;
      }
      reports.started(agent, index);  // the run is incomplete again: see reports_current
      auto r = run_case_as_server(*selected[index], std::move(t), request, leftover, ro);
      auto& p = progress[agent];
      if (!p) p = std::make_unique<Progress>(*catalogue, agent, selected, progress_mode);
      p->done(*selected[index], r);
      reports.finished(agent, index, std::move(r));
    } else if (path == "/updateReports") {
      {
        const WritingReports writing;
        std::vector<ServerRun> runs = reports.finish_runs();
        size_t failures = print_summary(*catalogue, runs, false);
        for (const auto& run : runs) {  // the run-level finding, beside the summary
          if (!run.masking) continue;
          std::printf("masking keys, %s, whole run: %s\n", run.agent.c_str(),
                      run.masking->summary.c_str());
          failures += run.masking->finding.empty() ? 0 : 1;
        }
        std::optional<size_t> worse = failures;
        if (!o.baseline.empty()) {
          if (o.update_baseline && runs.size() > 1) {
            error = "--update-baseline with several agents: one baseline holds one agent";
            worse.reset();
          } else {
            worse = gate_on_baselines(std::vector<std::string>(runs.size(), o.baseline), runs,
                                      o.update_baseline, false, error);
          }
        }
        const bool ok = worse.has_value() && write_reports(paths, *catalogue, runs, error);
        if (!ok) (void)std::fprintf(stderr, "wsprobe test-client: %s\n", error.c_str());
        (void)std::fflush(stdout);  // the summary, before a stop signal's _exit could drop it
        exit_code_so_far.store(!ok ? 2 : (*worse == 0 ? 0 : 1));
      }
      control_reply(*t, handshake, "");
      if (o.exit_after_report || WritingReports::stopped()) return exit_code_so_far.load();
    } else {
      const std::string nf = handshake.reject(404);
      (void)t->write({reinterpret_cast<const uint8_t*>(nf.data()), nf.size()}, deadline);
    }
  }
}

}  // namespace wsprobe::harness
