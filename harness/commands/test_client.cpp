#include "commands/test_client.hpp"

#include <cstdio>
#include <map>
#include <memory>

#include "engine/sender.hpp"
#include "net/listener.hpp"
#include "report/baseline.hpp"
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

  RunOptions ro;
  ro.timeout_scale = o.timeout_scale;
  ro.seed = o.seed ? *o.seed : draw_seed();
  std::printf("seed %llu\n", static_cast<unsigned long long>(ro.seed));
  std::map<std::string, std::map<size_t, CaseResult>> results;  // agent -> case index -> result
  std::map<std::string, std::unique_ptr<Progress>> progress;    // agent -> its progress
  // Not a live line: the clients drive the pace, and their output may share the terminal.
  const auto progress_mode = Progress::mode_for(false, o.verbose);
  for (;;) {
    auto accepted = listener->accept(Clock::now() + std::chrono::hours(1));
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
      auto r = run_case_as_server(*selected[index], std::move(t), request, leftover, ro);
      auto& p = progress[agent];
      if (!p) p = std::make_unique<Progress>(*catalogue, agent, selected, progress_mode);
      p->done(*selected[index], r);
      results[agent][index] = std::move(r);
    } else if (path == "/updateReports") {
      std::vector<ServerRun> runs;
      for (auto& [name, by_index] : results) {
        ServerRun run;
        run.agent = name;
        run.peer = "client";
        run.url = Url{tls, o.host, listener->port(), "/"};
        for (auto& [i, r] : by_index) {
          run.cases.push_back(selected[i]);
          run.results.push_back(r);
          run.seconds += static_cast<double>(r.duration_ms) / 1000.0;
        }
        runs.push_back(std::move(run));
      }
      const size_t failures = print_summary(*catalogue, runs, false);
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
      bool ok = worse.has_value();
      if (ok && !o.report_dir.empty()) {
        ok = write_html(o.report_dir, *catalogue, runs, error) &&
             write_case_json_files(o.report_dir, runs, error);
      }
      if (ok && !o.json_path.empty()) ok = write_json(o.json_path, runs, error);
      if (ok && !o.junit_path.empty()) ok = write_junit(o.junit_path, runs, error);
      if (!ok) (void)std::fprintf(stderr, "wsprobe test-client: %s\n", error.c_str());
      control_reply(*t, handshake, "");
      if (o.exit_after_report) {
        return !ok ? 2 : (*worse == 0 ? 0 : 1);
      }
    } else {
      const std::string nf = handshake.reject(404);
      (void)t->write({reinterpret_cast<const uint8_t*>(nf.data()), nf.size()}, deadline);
    }
  }
}

}  // namespace wsprobe::harness
