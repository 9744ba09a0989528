#include "commands/bench.hpp"

#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "commands/bench_connection.hpp"
#include "net/tls.hpp"

namespace wsprobe::harness {
namespace {

using nlohmann::ordered_json;

int usage(const std::string& why) {
  (void)std::fprintf(stderr, "wsprobe bench: %s\n", why.c_str());
  return 2;
}

std::string grouped(uint64_t n) {
  std::string s = std::to_string(n);
  for (auto i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
    s.insert(static_cast<size_t>(i), ",");
  return s;
}

std::string duration_words(uint64_t ns) {
  char out[32];
  if (ns < 10'000) {
    (void)std::snprintf(out, sizeof out, "%.1f us", static_cast<double>(ns) / 1e3);
  } else if (ns < 1'000'000) {
    (void)std::snprintf(out, sizeof out, "%.0f us", static_cast<double>(ns) / 1e3);
  } else if (ns < 1'000'000'000) {
    (void)std::snprintf(out, sizeof out, "%.2f ms", static_cast<double>(ns) / 1e6);
  } else {
    (void)std::snprintf(out, sizeof out, "%.2f s", static_cast<double>(ns) / 1e9);
  }
  return out;
}

// The usage errors: bounds on every quantity, so that a run ends and its memory is bounded.
std::string check_options(const BenchOptions& o) {
  if (o.connections < 1 || o.connections > bench_max_connections)
    return "--connections must be 1 to " + std::to_string(bench_max_connections);
  if (o.in_flight < 1 || o.in_flight > bench_max_in_flight)
    return "--in-flight must be 1 to " + std::to_string(bench_max_in_flight);
  if (o.size > bench_max_size) return "--size must be at most 16 MiB";
  if (o.duration < 0 || o.duration > bench_max_duration)
    return "--duration must be above 0 and at most 3600 s";
  if (o.count > bench_max_count) return "--count must be at most 2^40";
  if (o.timeout <= 0 || o.timeout > 600) return "--timeout must be above 0 and at most 600 s";
  if (o.threads < 1 || o.threads > 256) return "--threads must be 1 to 256";
  // What is in flight is held twice at most (our output, the echo being read): 1 GiB in all.
  const double held =
      static_cast<double>(o.connections) * o.in_flight * static_cast<double>(o.size + 14);
  if (held > double(1 << 30))
    return "--connections x --in-flight x --size must stay under 1 GiB in flight";
  return {};
}

// The message body: ASCII for text (valid UTF-8 whatever the size), every byte value for binary.
std::vector<uint8_t> make_payload(uint64_t size, bool text) {
  static constexpr std::string_view words = "wsprobe bench payload, echoed and checked. ";
  std::vector<uint8_t> p(size);
  for (size_t i = 0; i < size; ++i) {
    p[i] =
        text ? static_cast<uint8_t>(words[i % words.size()]) : static_cast<uint8_t>(i * 167 + 13);
  }
  return p;
}

struct Totals {
  unsigned opened = 0;
  unsigned deflate_agreed = 0;
  unsigned closed_cleanly = 0;
  unsigned broken = 0;
  uint64_t sent = 0;
  uint64_t echoed = 0;
  uint64_t wrong = 0;
  Clock::time_point last_echo{};
  LatencyHistogram latency;
  std::vector<std::string> errors;
  [[nodiscard]] uint64_t missing() const { return sent - echoed; }
};

Totals add_up(const std::vector<std::shared_ptr<BenchConnection>>& connections) {
  Totals t;
  for (const auto& c : connections) {
    const auto& r = c->tally();
    t.opened += r.opened ? 1 : 0;
    t.deflate_agreed += r.deflate_agreed ? 1 : 0;
    t.closed_cleanly += r.closed_cleanly ? 1 : 0;
    t.broken += static_cast<unsigned>(r.broken);
    t.sent += r.sent;
    t.echoed += r.echoed;
    t.wrong += r.wrong;
    t.last_echo = std::max(t.last_echo, r.last_echo);
    t.latency.merge(r.latency);
    for (const auto& e : r.errors)
      if (t.errors.size() < 10) t.errors.push_back(e);
  }
  return t;
}

void print_progress(const std::vector<std::shared_ptr<BenchConnection>>& connections,
                    double elapsed, uint64_t& last_echoed, double& last_elapsed) {
  uint64_t echoed = 0;
  uint64_t errors = 0;
  for (const auto& c : connections) {
    echoed += c->tally().progress_echoed.load(std::memory_order_relaxed);
    errors += c->tally().progress_errors.load(std::memory_order_relaxed);
  }
  const double rate = elapsed > last_elapsed
                          ? static_cast<double>(echoed - last_echoed) / (elapsed - last_elapsed)
                          : 0;
  std::printf("\r\033[K  %5.1f s  %s echoed  %s msgs/s  %s errors", elapsed,
              grouped(echoed).c_str(), grouped(static_cast<uint64_t>(rate)).c_str(),
              grouped(errors).c_str());
  (void)std::fflush(stdout);
  last_echoed = echoed;
  last_elapsed = elapsed;
}

}  // namespace

int bench(const BenchOptions& options) {
  BenchOptions o = options;
  if (const auto why = check_options(o); !why.empty()) return usage(why);
  // With a count, the duration is the limit to send it in; alone, it is how long to send.
  if (o.duration == 0) o.duration = o.count != 0 ? 60 : 5;
  std::string error;
  const auto url = parse_url(o.url, error);
  if (!url) return usage(error);

  asio::ssl::context ssl(asio::ssl::context::tls_client);
  if (!o.tls.ca_file.empty() && !load_ca(ssl, o.tls.ca_file, error)) return usage(error);
  asio::error_code ec;
  ssl.set_verify_mode(o.tls.ca_file.empty() ? asio::ssl::verify_none : asio::ssl::verify_peer, ec);

  BenchPlan plan;
  plan.url = *url;
  plan.tls = url->tls ? &ssl : nullptr;
  plan.size = o.size;
  plan.text = o.text;
  plan.in_flight = o.in_flight;
  plan.deflate = o.deflate;
  plan.subprotocols = o.subprotocols;
  plan.payload = make_payload(o.size, o.text);
  {
    asio::io_context resolving;
    asio::ip::tcp::resolver resolver(resolving);
    plan.endpoints = resolver.resolve(url->host, std::to_string(url->port), ec);
    if (ec) return usage("cannot resolve " + url->host + ": " + ec.message());
  }

  const unsigned n = o.connections;
  const unsigned threads = std::min(o.threads, n);
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  for (unsigned i = 0; i < threads; ++i)
    contexts.push_back(std::make_unique<asio::io_context>(1));
  BenchSignals signals;
  std::vector<std::shared_ptr<BenchConnection>> connections;
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout * 1000));
  const auto connect_deadline = Clock::now() + timeout;
  for (unsigned i = 0; i < n; ++i) {
    connections.push_back(BenchConnection::create(*contexts[i % threads], plan, signals, i));
    connections.back()->start(connect_deadline);
  }
  std::vector<std::thread> running;
  running.reserve(contexts.size());
  for (auto& ctx : contexts)
    running.emplace_back([&ctx] { ctx->run(); });

  // Every connection open (or failed), then all start at once: the rates cover sending only.
  std::unique_lock lock(signals.mutex);
  signals.changed.wait_until(lock, connect_deadline + std::chrono::seconds(1),
                             [&] { return signals.settled == n; });
  lock.unlock();
  const auto go = Clock::now();
  const auto send_until = go + std::chrono::milliseconds(static_cast<int64_t>(o.duration * 1000));
  const auto hard_deadline = send_until + timeout;
  for (unsigned i = 0; i < n; ++i) {
    const uint64_t quota = o.count == 0 ? UINT64_MAX : o.count / n + (i < o.count % n ? 1 : 0);
    asio::post(*contexts[i % threads], [c = connections[i], send_until, quota, hard_deadline] {
      c->go(send_until, quota, hard_deadline);
    });
  }

  // A progress line once a second, on a terminal only; the connections end by hard_deadline.
  const bool tty = isatty(STDOUT_FILENO) != 0;
  uint64_t last_echoed = 0;
  double last_elapsed = 0;
  const auto backstop = hard_deadline + std::chrono::seconds(2);
  for (auto tick = go + std::chrono::seconds(1);; tick += std::chrono::seconds(1)) {
    lock.lock();
    const bool done = signals.changed.wait_until(lock, std::min(tick, backstop),
                                                 [&] { return signals.finished == n; });
    lock.unlock();
    if (done || Clock::now() >= backstop) break;
    if (tty) {
      print_progress(connections, std::chrono::duration<double>(Clock::now() - go).count(),
                     last_echoed, last_elapsed);
    }
  }
  if (tty) std::printf("\r\033[K");
  for (auto& ctx : contexts)
    ctx->stop();  // only a connection past every deadline is still there: a bug, not a hang
  for (auto& t : running)
    t.join();

  const Totals t = add_up(connections);
  const uint64_t failed = n - t.opened;
  const uint64_t errors = t.wrong + t.missing() + t.broken + failed;
  const bool count_reached = o.count == 0 || t.sent == o.count;
  const double seconds =
      t.echoed != 0 ? std::chrono::duration<double>(t.last_echo - go).count() : o.duration;
  const double rate = static_cast<double>(t.echoed) / seconds;
  const double mbps = static_cast<double>(t.echoed * o.size) / seconds / 1e6;
  const char* kind = o.text ? "text" : "binary";

  std::printf("wsprobe bench %s: %u connection%s, %s messages of %s B, %u in flight%s\n",
              url->str().c_str(), n, n == 1 ? "" : "s", kind, grouped(o.size).c_str(), o.in_flight,
              o.deflate ? ", permessage-deflate offered" : "");
  std::printf("  messages  %s sent, %s echoed in %.2f s, %s errors\n", grouped(t.sent).c_str(),
              grouped(t.echoed).c_str(), seconds, grouped(errors).c_str());
  std::printf("  rate      %s msgs/s, %.1f MB/s (payload echoed, each way)\n",
              grouped(static_cast<uint64_t>(rate)).c_str(), mbps);
  std::printf("  latency   p50 %s, p90 %s, p99 %s, max %s\n",
              duration_words(t.latency.percentile(0.5)).c_str(),
              duration_words(t.latency.percentile(0.9)).c_str(),
              duration_words(t.latency.percentile(0.99)).c_str(),
              duration_words(t.latency.max()).c_str());
  if (o.deflate)
    std::printf("  deflate   agreed on %u of %u connections\n", t.deflate_agreed, t.opened);
  if (failed != 0 || t.wrong != 0 || t.missing() != 0 || t.broken != 0) {
    std::printf("  errors    %s wrong echoes, %s never echoed, %s connections failed, %u broke\n",
                grouped(t.wrong).c_str(), grouped(t.missing()).c_str(), grouped(failed).c_str(),
                t.broken);
  }
  if (t.closed_cleanly != t.opened) {
    std::printf("  closing   %u of %u connections did not complete the closing handshake\n",
                t.opened - t.closed_cleanly, t.opened);
  }
  if (!count_reached) {
    std::printf("  count     %s of %s messages sent within %.0f s (--duration)\n",
                grouped(t.sent).c_str(), grouped(o.count).c_str(), o.duration);
  }
  for (const auto& e : t.errors)
    std::printf("  error: %s\n", e.c_str());
  (void)std::fflush(stdout);

  if (!o.json_path.empty()) {
    const auto us = [](uint64_t ns) { return static_cast<double>(ns) / 1e3; };
    ordered_json j = {
        {"url", url->str()},
        {"connections", n},
        {"type", kind},
        {"size", o.size},
        {"inFlight", o.in_flight},
        {"duration", o.duration},
        {"count", o.count == 0 ? ordered_json(nullptr) : ordered_json(o.count)},
        {"deflate", {{"offered", o.deflate}, {"agreed", t.deflate_agreed}}},
        {"connectionsOpened", t.opened},
        {"seconds", seconds},
        {"sent", t.sent},
        {"echoed", t.echoed},
        {"wrongEchoes", t.wrong},
        {"missingEchoes", t.missing()},
        {"failedConnections", failed},
        {"brokenConnections", t.broken},
        {"errors", errors},
        {"countReached", count_reached},
        {"closedCleanly", t.closed_cleanly},
        {"bytesEchoed", t.echoed * o.size},
        {"messagesPerSecond", rate},
        {"megabytesPerSecond", mbps},
        {"latencyMicroseconds",
         {{"p50", us(t.latency.percentile(0.5))},
          {"p90", us(t.latency.percentile(0.9))},
          {"p99", us(t.latency.percentile(0.99))},
          {"max", us(t.latency.max())},
          {"mean", t.latency.mean() / 1e3}}},
        {"errorSamples", t.errors},
    };
    std::ofstream out(o.json_path);
    out << j.dump(2) << "\n";
    if (!out) {
      (void)std::fprintf(stderr, "wsprobe bench: cannot write %s\n", o.json_path.c_str());
      return 2;
    }
  }
  if (t.opened == 0) return 2;  // nothing to measure: a connection error, as for test-server
  return errors != 0 || !count_reached ? 1 : 0;
}

}  // namespace wsprobe::harness
