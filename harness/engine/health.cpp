#include "engine/health.hpp"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "wsprobe/client_handshake.hpp"
#include "wsprobe/connection.hpp"

namespace wsprobe::harness {
namespace {

constexpr std::string_view probe_text = "wsprobe health check";
// Between a failed attempt and the second one, before --timeout-scale.
constexpr double retry_pause_seconds = 0.5;

Clock::time_point after_seconds(double seconds) {
  return Clock::now() +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

std::string seconds_text(double s) {
  char buf[32];
  (void)std::snprintf(buf, sizeof(buf), "%.1f s", s);
  return buf;
}

// The connection, once open: a text message out, its echo back.
class Probe {
 public:
  Probe(std::unique_ptr<Transport> t, Clock::time_point deadline)
      : t_(std::move(t)), deadline_(deadline) {}

  HealthCheck run(const Url& url) {
    codec::ClientOptions options;
    options.host = url.host_header();
    options.target = url.target;
    codec::ClientHandshake handshake(options, codec::openssl_random());
    const std::string& req = handshake.request_bytes();
    if (!write({reinterpret_cast<const uint8_t*>(req.data()), req.size()}))
      return stalled("could not send the opening handshake");
    std::vector<uint8_t> buf(16384);
    while (handshake.status() == codec::HandshakeStatus::incomplete) {
      const auto r = t_->read_some(buf, deadline_);
      if (r.status != IoStatus::ok) return stalled("no handshake response (" + r.message + ")");
      handshake.feed({buf.data(), r.bytes});
    }
    if (handshake.status() == codec::HandshakeStatus::error || !handshake.validate())
      return stalled("the opening handshake was refused or malformed");
    codec::ConnectionOptions co;
    co.role = codec::Role::client;
    co.max_message_size = 64 << 10;  // an echo of the probe; a flood ends the check
    codec::Connection conn(co);
    conn.receive(handshake.leftover());
    (void)conn.send_text(probe_text);
    while (true) {
      if (!write(conn.bytes_to_send())) return stalled("the connection failed before the echo");
      for (auto& e : conn.events()) {
        if (auto* m = std::get_if<codec::MessageEvent>(&e); m && m->text() == probe_text) {
          (void)conn.send_close(1000);
          (void)write(conn.bytes_to_send());  // a polite end; its answer is not waited for
          return {};
        }
        if (std::holds_alternative<codec::CloseEvent>(e) ||
            std::holds_alternative<codec::FailureEvent>(e))
          return stalled("the connection ended before the echo");
      }
      const auto r = t_->read_some(buf, deadline_);
      if (r.status != IoStatus::ok) return stalled("no echo (" + r.message + ")");
      conn.receive({buf.data(), r.bytes});
    }
  }

  ~Probe() { t_->close(); }
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

 private:
  bool write(std::span<const uint8_t> bytes) {
    return bytes.empty() || t_->write(bytes, deadline_).status == IoStatus::ok;
  }
  static HealthCheck stalled(std::string why) { return {Liveness::unresponsive, std::move(why)}; }

  std::unique_ptr<Transport> t_;
  Clock::time_point deadline_;
};

}  // namespace

std::string_view to_string(Liveness l) {
  switch (l) {
    case Liveness::ok:
      return "ok";
    case Liveness::unresponsive:
      return "unresponsive";
    case Liveness::not_listening:
      break;
  }
  return "not listening";
}

HealthCheck probe_health(const Url& url, const TlsOptions& tls, double seconds) {
  const auto start = Clock::now();
  const auto deadline = after_seconds(seconds);
  std::string error;
  auto t = Transport::connect(url, deadline, tls, error);
  if (!t) {
    // A refused connection: nothing listens on the port any more. Anything else (no answer to
    // the SYN, a full backlog) is a server that is there but does not answer.
    const bool refused = error.find("refused") != std::string::npos;
    return {refused ? Liveness::not_listening : Liveness::unresponsive, error};
  }
  HealthCheck h = Probe(std::move(t), deadline).run(url);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (h.liveness == Liveness::ok) {
    h.detail = "a fresh connection completed a handshake and an echo in " +
               std::to_string(static_cast<int>(ms)) + " ms";
  } else {
    h.detail += " within " + seconds_text(seconds);
  }
  return h;
}

HealthCheck check_health(const Url& url, const TlsOptions& tls, double timeout_scale) {
  const double bound = health_check_seconds * timeout_scale;
  HealthCheck first = probe_health(url, tls, bound);
  if (first.liveness == Liveness::ok) return first;
  std::this_thread::sleep_for(std::chrono::duration<double>(retry_pause_seconds * timeout_scale));
  HealthCheck second = probe_health(url, tls, 2 * bound);
  if (second.liveness != Liveness::ok) {
    second.detail = "twice: " + first.detail + "; then, " +
                    seconds_text(retry_pause_seconds * timeout_scale) + " later, " + second.detail;
  } else {
    second.detail += " (a first attempt failed: " + first.detail + ")";
  }
  return second;
}

bool ServerChecks::health_checked(const Case& c) const {
  return o_.every_case || c.area == health_checked_area;
}

void ServerChecks::before(const Case& c) {
  {
    const std::lock_guard<std::mutex> lock(mu_);
    running_.insert(c.id);
  }
  if (o_.watch != nullptr) o_.watch->begin_case();
}

void ServerChecks::after(const Case& c, CaseResult& r) {
  {
    const std::lock_guard<std::mutex> lock(mu_);
    running_.erase(running_.find(c.id));
  }
  ServerWatch* watch = o_.watch;
  if (watch != nullptr) {
    const bool unread =
        std::any_of(c.steps.begin(), c.steps.end(), [](const Step& s) { return s.unread > 0; });
    if (auto memory = watch->end_case(r.bytes_sent)) judge_memory(*memory, r, unread);
    if (auto how = watch->ended()) {
      server_died(*how, r);
      return;
    }
  }
  if (!health_checked(c)) return;
  const HealthCheck h = check_health(o_.url, o_.tls, o_.timeout_scale);
  r.health = std::string(to_string(h.liveness));
  if (h.liveness == Liveness::ok) {
    add_note(r, "health check: " + h.detail);
    const std::lock_guard<std::mutex> lock(mu_);
    down_since_.clear();
    return;
  }
  // A server that died just after the case: the watch knows how.
  if (watch != nullptr) {
    if (auto how = watch->ended()) {
      server_died(*how, r);
      return;
    }
  }
  const std::string why = h.liveness == Liveness::not_listening
                              ? "not listening anymore (crashed?) after this case"
                              : "unresponsive after this case";
  if (!blame(r, why + ": " + h.detail)) return;
  // A stalled server the watch started is started again, so that the rest of the run means
  // something; the case that stalled it stays FAILED.
  if (watch != nullptr && watch->launched()) restart(r);
}

bool ServerChecks::blame(CaseResult& r, const std::string& why) {
  std::string beside;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    if (!down_since_.empty()) {
      add_note(r, "the server is still down, as since case " + down_since_ + ": " + why);
      return false;
    }
    down_since_ = r.id;
    for (const auto& id : running_)
      beside += (beside.empty() ? "" : ", ") + id;
  }
  add_note(r, "health check: " + why);
  if (!beside.empty()) {
    add_note(r,
             "cases running beside this one (any may have caused it; --jobs 1 tells): " + beside);
  }
  const std::string headline = why.substr(0, why.find(": "));
  r.reason = headline + (r.reason.empty() ? "" : "; " + r.reason);
  r.behavior = Behavior::failed;
  return true;
}

void ServerChecks::server_died(const std::string& how, CaseResult& r) {
  if (!blame(r, "the server process " + how + " during this case")) return;
  r.server_exit = how;
  r.health = std::string(to_string(Liveness::not_listening));
  restart(r);
}

void ServerChecks::restart(CaseResult& r) {
  if (o_.watch == nullptr || !o_.watch->launched()) return;
  std::string error;
  if (o_.watch->restart(error)) {
    add_note(r, "the server was started again (pid " + std::to_string(o_.watch->pid()) + ")");
    const std::lock_guard<std::mutex> lock(mu_);
    down_since_.clear();
  } else {
    add_note(r, "the server could not be started again: " + error);
  }
}

}  // namespace wsprobe::harness
