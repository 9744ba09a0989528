#include "commands/test_client.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>

#include "commands/client_page.hpp"
#include "engine/masking.hpp"
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

// SIGTERM and SIGINT. The reports on disk always name the case reached (LiveReports), so stopping
// needs no work: the handler exits at once (_exit and write are async-signal-safe), with the
// verdict so far, unless reports are being written; then the loop exits once they are, so no
// PATH.tmp is left behind. The verdict so far: 0 or 1 as /updateReports said when no case ran
// since; otherwise 1 when a finished case FAILED, and 2 (not a pass: the run is incomplete) when
// none did or none ran.
std::atomic<int> exit_code_so_far{2};
std::atomic<bool> writing_reports{false};
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);

constexpr char stopped_message[] =
    "wsprobe test-client: stopped by a signal; the reports name the last case reached\n";

extern "C" void on_stop_signal(int /*signal*/) {
  if (writing_reports.load()) {
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
  LiveReports reports(paths, *catalogue, selected, Url{tls, o.host, listener->port(), "/"});
  const StopSignals stop_signals;
  std::map<std::string, std::unique_ptr<Progress>> progress;  // agent -> its progress
  std::map<std::string, MaskingJudge> masking;  // agent -> its keys, whole run (RFC 6455 5.3)
  const auto failed_so_far = [&] {
    return reports.any_failed() || std::any_of(masking.begin(), masking.end(), [](const auto& m) {
             return !m.second.finding().empty();
           });
  };
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
      {
        const WritingReports writing;
        if (!reports.started(agent, index, error))
          (void)std::fprintf(stderr, "wsprobe test-client: %s\n", error.c_str());
        exit_code_so_far.store(failed_so_far() ? 1 : 2);  // the run is incomplete again
      }
      if (WritingReports::stopped()) return exit_code_so_far.load();
      auto r = run_case_as_server(*selected[index], std::move(t), request, leftover, ro);
      auto& p = progress[agent];
      if (!p) p = std::make_unique<Progress>(*catalogue, agent, selected, progress_mode);
      p->done(*selected[index], r);
      for (const uint32_t key : r.mask_keys)
        masking[agent].add(key);
      {
        const WritingReports writing;
        if (!reports.finished(agent, index, std::move(r), error))
          (void)std::fprintf(stderr, "wsprobe test-client: %s\n", error.c_str());
        exit_code_so_far.store(failed_so_far() ? 1 : 2);
      }
      if (WritingReports::stopped()) return exit_code_so_far.load();
    } else if (path == "/updateReports") {
      {
        const WritingReports writing;
        std::vector<ServerRun> runs = reports.finish_runs();
        size_t failures = print_summary(*catalogue, runs, false);
        for (const auto& [name, keys] : masking) {  // the run-level finding, beside the summary
          std::printf("masking keys, %s, whole run: %s\n", name.c_str(), keys.summary().c_str());
          failures += keys.finding().empty() ? 0 : 1;
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
