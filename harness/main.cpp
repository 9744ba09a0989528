// wsprobe: a WebSocket (RFC 6455) conformance and fuzzing harness. One binary, git-style
// subcommands: serve, connect, test-server.

#include <malloc.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "commands/bench.hpp"
#include "commands/browser.hpp"
#include "commands/connect.hpp"
#include "commands/explain.hpp"
#include "commands/list.hpp"
#include "commands/serve.hpp"
#include "commands/test_client.hpp"
#include "commands/test_server.hpp"

namespace {

// `wsprobe cases`: the catalogue as loaded (generators expanded), one line per case or as the
// canonical JSON dump the pytest driver reads.
int print_cases(const wsprobe::harness::CatalogueOptions& o, bool as_json) {
  std::string error;
  const auto catalogue = wsprobe::harness::load_catalogue(o, error);
  if (!catalogue) {
    (void)std::fprintf(stderr, "wsprobe cases: %s\n", error.c_str());
    return 2;
  }
  if (as_json) {
    std::printf("%s\n", wsprobe::harness::dump_cases(*catalogue).dump(1).c_str());
    return 0;
  }
  for (const auto& c : catalogue->cases) {
    std::printf("%-8s %-15s %s\n", c.id.c_str(), wsprobe::harness::rfc_reference(c).c_str(),
                c.description.c_str());
  }
  std::printf("%zu cases\n", catalogue->cases.size());
  return 0;
}

int run(int argc, char** argv) {
  using namespace wsprobe::harness;
  CLI::App app{"wsprobe: WebSocket (RFC 6455) conformance and fuzzing harness"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "wsprobe 0.1.0");
  app.footer(
      "Examples:\n"
      "  wsprobe serve --port 9001                      # the reference echo server\n"
      "  wsprobe test-server ws://127.0.0.1:9001/ --report-dir reports/html\n"
      "  wsprobe test-server ws://127.0.0.1:9001/ --baseline accepted.json   # gate CI on changes\n"
      "  wsprobe list                                   # the areas, with case counts\n"
      "  wsprobe explain 6.4.1                          # one case in words\n"
      "  wsprobe bench ws://127.0.0.1:9001/ -s 64KiB    # echo rate and latency, echoes checked\n"
      "'wsprobe SUBCOMMAND --help' shows each subcommand's options and examples.");

  ServeOptions serve_o;
  auto* serve_cmd =
      app.add_subcommand("serve", "Run the reference echo server (ws, or wss with --cert/--key)");
  serve_cmd->add_option("--host", serve_o.host, "Address to bind")->capture_default_str();
  serve_cmd->add_option("--port", serve_o.port, "Port to bind; 0 picks a free one")
      ->capture_default_str();
  serve_cmd->add_option("--cert", serve_o.cert_file, "PEM certificate chain: serve wss")
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("--key", serve_o.key_file, "PEM private key for --cert")
      ->check(CLI::ExistingFile);
  serve_cmd
      ->add_option("--max-message-size", serve_o.max_message_size, "Larger messages fail with 1009")
      ->capture_default_str();
  serve_cmd->add_option("--subprotocol", serve_o.subprotocols,
                        "Subprotocols to select, in order of preference");
  serve_cmd
      ->add_option("--handshake-timeout", serve_o.handshake_timeout,
                   "Seconds to complete the opening handshake")
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-connections", serve_o.max_connections,
                   "Connections held at once; more are answered 503")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  serve_cmd
      ->add_option("--max-backlog", serve_o.max_backlog,
                   "Bytes of unread output per connection before it stops reading from the peer")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  serve_cmd->add_option("--threads", serve_o.threads,
                        "Event loops sharing the connections (default: one per core)");
  // permessage-deflate (RFC 7692 7.1): on by default, with the parameters the server asks for.
  serve_cmd->add_flag_callback(
      "--no-deflate", [&] { serve_o.deflate = false; }, "Decline permessage-deflate");
  serve_cmd->add_flag("--deflate-server-no-context-takeover",
                      serve_o.deflate_config.server_no_context_takeover,
                      "Reset the server's compression context after each message");
  serve_cmd->add_flag("--deflate-client-no-context-takeover",
                      serve_o.deflate_config.client_no_context_takeover,
                      "Ask clients to reset their compression context after each message");
  serve_cmd
      ->add_option_function<int>(
          "--deflate-server-max-window-bits",
          [&](int bits) { serve_o.deflate_config.server_max_window_bits = uint8_t(bits); },
          "The server's compression window (8-15)")
      ->check(CLI::Range(8, 15));
  serve_cmd
      ->add_option_function<int>(
          "--deflate-client-max-window-bits",
          [&](int bits) { serve_o.deflate_config.client_max_window_bits = uint8_t(bits); },
          "Ask clients for this window (8-15); clients that cannot are declined")
      ->check(CLI::Range(8, 15));
  serve_cmd
      ->add_option("--deflate-level", serve_o.deflate_level,
                   "Compression level of what it sends (0-3: 0 fastest, 3 smallest)")
      ->capture_default_str()
      ->check(CLI::Range(0, 3));

  ConnectOptions connect_o;
  auto* connect_cmd = app.add_subcommand(
      "connect", "Connect as the reference client, send messages, print replies");
  connect_cmd->add_option("url", connect_o.url, "ws:// or wss:// URL")->required();
  connect_cmd->add_option("--text,-t", connect_o.texts, "A text message to send (repeatable)");
  connect_cmd->add_option("--binary,-b", connect_o.binaries_hex,
                          "A binary message to send, as hex (repeatable)");
  connect_cmd->add_flag("--stdin", connect_o.read_stdin,
                        "Send each line of standard input as a text message");
  connect_cmd->add_option("--subprotocol", connect_o.subprotocols, "Subprotocols to offer");
  connect_cmd
      ->add_option("--timeout", connect_o.timeout, "Seconds for the handshake and for each reply")
      ->capture_default_str();
  connect_cmd->add_option("--close-code", connect_o.close_code, "Close code to send when done")
      ->capture_default_str();
  connect_cmd->add_option("--ca", connect_o.tls.ca_file,
                          "Verify the wss server against this CA file");
  connect_cmd->add_flag("--echo", connect_o.echo,
                        "Echo every message back until the server closes (a test client)");
  // permessage-deflate (RFC 7692 7.1): offered by default, as browsers do.
  connect_cmd->add_flag_callback(
      "--no-deflate", [&] { connect_o.deflate = false; }, "Do not offer permessage-deflate");
  connect_cmd->add_flag("--deflate-server-no-context-takeover",
                        connect_o.deflate_offer.server_no_context_takeover,
                        "Ask the server to reset its compression context after each message");
  connect_cmd->add_flag("--deflate-client-no-context-takeover",
                        connect_o.deflate_offer.client_no_context_takeover,
                        "Reset the client's compression context after each message");
  // RFC 7692 7.1.2.2: without it in the offer the server may not answer client_max_window_bits.
  connect_cmd->add_flag_callback(
      "--deflate-no-client-max-window-bits",
      [&] { connect_o.deflate_offer.client_max_window_bits.reset(); },
      "Leave client_max_window_bits out of the offer (the server may then not answer it)");
  connect_cmd
      ->add_option_function<int>(
          "--deflate-server-max-window-bits",
          [&](int bits) { connect_o.deflate_offer.server_max_window_bits = uint8_t(bits); },
          "Ask the server for this compression window (8-15)")
      ->check(CLI::Range(8, 15));
  connect_cmd
      ->add_option("--deflate-level", connect_o.deflate_level,
                   "Compression level of what it sends (0-3: 0 fastest, 3 smallest)")
      ->capture_default_str()
      ->check(CLI::Range(0, 3));

  TestServerOptions ts;
  auto* ts_cmd = app.add_subcommand(
      "test-server", "Run the case catalogue against servers (Autobahn fuzzingclient)");
  ts_cmd->add_option("urls", ts.urls, "Server URLs (ws:// or wss://)");
  ts_cmd->add_option("--cases", ts.cases, "Case ids or globs to run, e.g. '6.*' (default: all)");
  ts_cmd->add_option("--exclude", ts.exclude, "Case ids or globs to skip");
  ts_cmd->add_option("--agent", ts.agents, "Agent name per URL, in order (default host:port)");
  ts_cmd
      ->add_option("--spec", ts.spec,
                   "Autobahn fuzzingclient spec JSON (servers, cases, exclude-cases, outdir)")
      ->check(CLI::ExistingFile);
  ts_cmd->add_option("--catalogue", ts.catalogue_dirs,
                     "Add the cases in this directory to the built-in ones (repeatable)");
  ts_cmd->add_flag("--no-builtin-cases{false}", ts.builtin_cases,
                   "Run only the cases given with --catalogue");
  ts_cmd->add_option("--json", ts.json_path, "Write Autobahn's index.json shape here");
  ts_cmd->add_option("--junit", ts.junit_path, "Write JUnit XML here");
  ts_cmd->add_option("--report-dir", ts.report_dir,
                     "Write the HTML report (and per-case JSON) here");
  ts_cmd->add_option("--jobs,-j", ts.jobs, "Cases in parallel, each on its own connection")
      ->capture_default_str();
  ts_cmd->add_option("--timeout-scale", ts.timeout_scale, "Multiply every timeout by this")
      ->capture_default_str();
  ts_cmd->add_option("--limit", ts.limit, "The servers' message size limit, for the 17.x cases")
      ->capture_default_str();
  ts_cmd->add_option("--ca", ts.ca_file, "Verify wss servers against this CA file");
  ts_cmd->add_flag("--list", ts.list_only, "List the selected cases and exit");
  ts_cmd->add_flag("--skip-slow", ts.skip_slow,
                   "Leave out the cases marked slow (category 9's largest messages, the "
                   "compression cases' 4-128 KiB rows; `wsprobe cases --json` marks them)");
  ts_cmd->add_option("--seed", ts.seed,
                     "Fix masking keys and nonces (each report records the seed it used)");
  ts_cmd->add_flag("!--no-confirm", ts.confirm,
                   "Report timer-decided verdicts without re-running them with timeouts x4");
  ts_cmd->add_flag("--verbose,-v", ts.verbose,
                   "One progress line per case (default outside a terminal: one per area)");
  ts_cmd->add_option("--baseline", ts.baselines,
                     "Accepted verdicts (one file per URL, in order): exit 1 only on a case "
                     "worse than its baseline");
  ts_cmd->add_flag("--update-baseline", ts.update_baseline,
                   "(Re)write each --baseline from this run, keeping the reasons of verdicts "
                   "already accepted");
  ts_cmd->add_flag("--health-check", ts.health_check,
                   "After every case (not only the robustness area's), a fresh connection must "
                   "complete a handshake and an echo within 1 s x --timeout-scale");
  ts_cmd->add_option("--server-pid", ts.server_pid,
                     "Watch this running server process: its memory per case (Linux /proc) and "
                     "its death");
  ts_cmd
      ->add_option("--server-cmd", ts.server_cmd,
                   "Start the server with /bin/sh -c 'exec CMD', wait for the URL's port, watch "
                   "it as --server-pid does, and start it again when it dies")
      ->excludes("--server-pid");
  ts_cmd->footer(
      "Examples:\n"
      "  wsprobe test-server ws://127.0.0.1:9001/ --cases '6.*' --exclude 6.4.3\n"
      "  wsprobe test-server ws://127.0.0.1:9001/ --json reports/index.json \\\n"
      "      --junit reports/junit.xml --report-dir reports/html\n"
      "  wsprobe test-server ws://127.0.0.1:9001/ --baseline ci/wsprobe-baseline.json "
      "--update-baseline   # accept today's verdicts\n"
      "  wsprobe test-server ws://127.0.0.1:9001/ --baseline ci/wsprobe-baseline.json   # in CI: "
      "exit 1 only on a change for the worse\n"
      "  wsprobe test-server ws://127.0.0.1:9001/ --cases 7.9.1 --seed 42   # replay one case\n"
      "  wsprobe test-server --spec fuzzingclient.json   # Autobahn's spec file\n"
      "Exit: 0 nothing FAILED (with --baseline: nothing worse), 1 otherwise, 2 usage or connection "
      "error.");

  TestClientOptions tc;
  auto* tc_cmd = app.add_subcommand(
      "test-client", "Listen and run the catalogue against clients (Autobahn fuzzingserver)");
  tc_cmd->add_option("--host", tc.host, "Address to bind")->capture_default_str();
  tc_cmd->add_option("--port", tc.port, "Port to bind; 0 picks a free one")->capture_default_str();
  tc_cmd->add_option("--cases", tc.cases,
                     "Case ids or globs to run (default: all but the handshake cases)");
  tc_cmd->add_option("--exclude", tc.exclude, "Case ids or globs to skip");
  tc_cmd->add_option("--catalogue", tc.catalogue_dirs,
                     "Add the cases in this directory to the built-in ones (repeatable)");
  tc_cmd->add_flag("--no-builtin-cases{false}", tc.builtin_cases,
                   "Run only the cases given with --catalogue");
  tc_cmd->add_option("--json", tc.json_path,
                     "Write Autobahn's index.json shape here (kept up to date case by case, "
                     "final on /updateReports)");
  tc_cmd->add_option("--junit", tc.junit_path, "Write JUnit XML here (as --json)");
  tc_cmd->add_option("--report-dir", tc.report_dir,
                     "Write the HTML report and per-case JSON here (as --json)");
  tc_cmd->add_option("--cert", tc.cert_file, "PEM certificate chain: serve wss")
      ->check(CLI::ExistingFile);
  tc_cmd->add_option("--key", tc.key_file, "PEM private key for --cert")->check(CLI::ExistingFile);
  tc_cmd->add_option("--timeout-scale", tc.timeout_scale, "Multiply every timeout by this")
      ->capture_default_str();
  tc_cmd->add_option("--limit", tc.limit, "The clients' message size limit, for the 17.x cases")
      ->capture_default_str();
  tc_cmd->add_option("--seed", tc.seed, "Fix masking keys (each report records the seed it used)");
  tc_cmd->add_flag("--exit-after-report", tc.exit_after_report,
                   "Exit on /updateReports with the verdict as exit code");
  tc_cmd->add_flag("--verbose,-v", tc.verbose,
                   "One progress line per case (default: one per area)");
  tc_cmd->add_option("--baseline", tc.baseline,
                     "Accepted verdicts: the exit code after /updateReports is 1 only on a case "
                     "worse than its baseline");
  tc_cmd->add_flag("--update-baseline", tc.update_baseline,
                   "(Re)write --baseline from the agent's run on /updateReports");
  BrowserOptions browser;
  auto* browser_opt =
      tc_cmd
          ->add_option("--browser", browser.name,
                       "Start this browser headless as the client (the page at /), exit with the "
                       "verdict after its report")
          ->check(CLI::IsMember({"chromium", "firefox"}));
  tc_cmd
      ->add_option("--browser-binary", browser.binary,
                   "The browser's executable (default: chromium or firefox[-esr] on PATH)")
      ->needs(browser_opt);
  tc_cmd->add_option("--browser-timeout", browser.timeout, "Seconds the browser's run may take")
      ->capture_default_str()
      ->needs(browser_opt);
  tc_cmd->footer(
      "Examples:\n"
      "  wsprobe test-client --port 9001 --exit-after-report --report-dir reports/clients &\n"
      "  ./my-autobahn-client-script ws://127.0.0.1:9001   # /getCaseCount, /runCase, "
      "/updateReports\n"
      "  wsprobe test-client --port 0 --baseline ci/client-baseline.json --exit-after-report\n"
      "  wsprobe test-client --browser firefox --report-dir reports/firefox   # or open / in a "
      "browser\n"
      "Reports are rewritten as each case starts and ends: a client that crashes or hangs leaves "
      "them naming the case it reached (INCOMPLETE: no verdict yet). SIGTERM or SIGINT exits at "
      "once: 0/1 as the last /updateReports said if no case ran since, else 1 if a case FAILED, "
      "else 2 (the run is incomplete).");

  BenchOptions bench_o;
  auto* bench_cmd = app.add_subcommand(
      "bench", "Load an echo server: pipelined messages, every echo checked; rates and latency");
  bench_cmd->add_option("url", bench_o.url, "ws:// or wss:// URL of a server that echoes")
      ->required();
  bench_cmd->add_option("--connections,-c", bench_o.connections, "Connections")
      ->capture_default_str();
  bench_cmd
      ->add_option("--size,-s", bench_o.size, "Payload bytes per message (e.g. 16, 1KiB, 64KiB)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  bench_cmd->add_flag("--text", bench_o.text, "Text messages (ASCII) instead of binary");
  bench_cmd
      ->add_option("--in-flight,-w", bench_o.in_flight,
                   "Messages sent and not yet echoed, per connection")
      ->capture_default_str();
  bench_cmd->add_option("--duration,-d", bench_o.duration,
                        "Seconds of sending (default 5; with --count, the limit: 60)");
  bench_cmd->add_option("--count,-n", bench_o.count,
                        "Messages in all, spread over the connections; fewer sent by --duration "
                        "exits 1");
  bench_cmd
      ->add_option("--timeout", bench_o.timeout,
                   "Seconds to connect, and to get the last echoes and close after sending")
      ->capture_default_str();
  bench_cmd->add_option("--threads", bench_o.threads, "I/O threads, connections spread over them")
      ->capture_default_str();
  bench_cmd->add_flag("--deflate", bench_o.deflate, "Offer permessage-deflate (RFC 7692)");
  bench_cmd->add_option("--subprotocol", bench_o.subprotocols, "Subprotocols to offer");
  bench_cmd->add_option("--ca", bench_o.tls.ca_file, "Verify the wss server against this CA file");
  bench_cmd->add_option("--json", bench_o.json_path, "Write the results as JSON here");
  bench_cmd->footer(
      "Examples:\n"
      "  wsprobe bench ws://127.0.0.1:9001/                       # 1 connection, 1 KiB, 5 s\n"
      "  wsprobe bench ws://127.0.0.1:9001/ -s 64KiB -w 8 -c 4 --json bench.json\n"
      "  wsprobe bench ws://127.0.0.1:9001/ --text -s 16 -n 100000   # a count, not a time\n"
      "MB/s counts payload bytes echoed (10^6 bytes), one way. Latency: from queueing a message "
      "to reading its echo.\n"
      "Exit: 0 every echo right; 1 a wrong or missing echo, a connection failed or broke, or "
      "--count not reached; 2 usage error or no connection opened.");

  CatalogueOptions cases_o;
  bool cases_json = false;
  auto* cases_cmd =
      app.add_subcommand("cases", "Print the case catalogue as loaded, generators expanded");
  cases_cmd->add_flag("--json", cases_json, "Print the canonical JSON dump");
  cases_cmd->add_option("--catalogue", cases_o.dirs,
                        "Add the cases in this directory to the built-in ones (repeatable)");
  cases_cmd->add_flag("--no-builtin-cases{false}", cases_o.builtin,
                      "Only the cases given with --catalogue");
  cases_cmd->add_option("--limit", cases_o.limit, "The message size limit, for the 17.x cases")
      ->capture_default_str();

  CatalogueOptions list_o;
  auto* list_cmd =
      app.add_subcommand("list", "The catalogue's areas, with case counts and id groups");
  list_cmd->add_option("--catalogue", list_o.dirs,
                       "Add the cases in this directory to the built-in ones (repeatable)");
  list_cmd->add_flag("--no-builtin-cases{false}", list_o.builtin,
                     "Only the cases given with --catalogue");
  list_cmd->footer("Examples:\n  wsprobe list\n  wsprobe list --catalogue my-cases");

  CatalogueOptions explain_o;
  std::vector<std::string> explain_ids;
  auto* explain_cmd = app.add_subcommand(
      "explain", "A case in words: RFC section and sentence, what it sends, what it expects");
  explain_cmd->add_option("ids", explain_ids, "Case ids")->required();
  explain_cmd->add_option("--catalogue", explain_o.dirs,
                          "Add the cases in this directory to the built-in ones (repeatable)");
  explain_cmd->add_option("--limit", explain_o.limit, "The message size limit, for the 17.x cases")
      ->capture_default_str();
  explain_cmd->footer("Examples:\n  wsprobe explain 6.4.1\n  wsprobe explain 7.9.1 14.2.1");
  cases_cmd->footer(
      "Examples:\n  wsprobe cases\n  wsprobe cases --json > catalogue.json\n"
      "  wsprobe cases --catalogue my-cases");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;  // usage errors exit 2, as the verdict codes 0 and 1 are taken
  }
  if (serve_cmd->parsed()) {
    if (serve_o.cert_file.empty() != serve_o.key_file.empty()) {
      (void)std::fprintf(stderr, "wsprobe serve: --cert and --key go together\n");
      return 2;
    }
    return serve(serve_o);
  }
  if (connect_cmd->parsed()) return connect_and_talk(connect_o);
  if (bench_cmd->parsed()) return bench(bench_o);
  if (tc_cmd->parsed()) {
    if (tc.cert_file.empty() != tc.key_file.empty()) {
      (void)std::fprintf(stderr, "wsprobe test-client: --cert and --key go together\n");
      return 2;
    }
    if (browser.name.empty()) return test_client(tc);
    if (tc_cmd->count("--port") == 0) tc.port = 0;  // a free port: nobody else needs to know it
    return test_client_in_browser(tc, browser);
  }
  if (cases_cmd->parsed()) return print_cases(cases_o, cases_json);
  if (list_cmd->parsed()) return list_areas(list_o);
  if (explain_cmd->parsed()) return explain(explain_o, explain_ids);
  return test_server(ts);
}

}  // namespace

int main(int argc, char** argv) {
  // Large buffers (payloads of MiBs, one per parallel case) are mapped and unmapped on their own:
  // glibc's default raises the threshold after the first large free, and the freed memory then
  // stays in per-thread arenas, so the tester's RSS would track the sum of all past peaks.
  // Below that, up to 8 MiB of free heap top is kept per arena: glibc's default (128 KiB once the
  // threshold is fixed) trimmed after nearly every 128 KiB message of 12.x/13.x, and the
  // madvise, page faults and TLB shootdowns that followed took a fifth of the tester's CPU.
  (void)mallopt(M_MMAP_THRESHOLD, 1 << 20);
  (void)mallopt(M_TRIM_THRESHOLD, 8 << 20);
  // One arena per core, not glibc's eight per core: each arena keeps up to the trim threshold of
  // free heap and its own fragments, and 16 case threads on 2 cores spread over 16 arenas held 18
  // MB more over the whole catalogue (94 -> 76 MB peak) for no measurable speed (tcache serves the
  // small allocations without the arena lock).
  (void)mallopt(M_ARENA_MAX, static_cast<int>(std::max(2U, std::thread::hardware_concurrency())));
  // A peer that resets the connection makes a write fail with EPIPE, not kill wsprobe: OpenSSL's
  // socket writes (net/tls_stream.cpp) cannot ask for MSG_NOSIGNAL as asio's do. Children get the
  // default back before exec (net/child_process.cpp).
  (void)std::signal(SIGPIPE, SIG_IGN);
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // a bug, or out of memory: say so, never abort silently
    (void)std::fprintf(stderr, "wsprobe: internal error: %s\n", e.what());
    return 2;
  }
}
