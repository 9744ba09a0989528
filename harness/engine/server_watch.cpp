#include "engine/server_watch.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <thread>

#include "net/transport.hpp"

namespace wsprobe::harness {
namespace {

std::string mib(uint64_t bytes) {
  char buf[32];
  (void)std::snprintf(buf, sizeof(buf), "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

// A process that is gone, or a zombie its parent has not collected (not ours to reap).
bool gone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;  // no /proc: kill() alone decides
  const auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

std::string limit(uint64_t growth, double ratio) {
  return mib(growth) + " and " + std::to_string(static_cast<int>(ratio)) + "x";
}

}  // namespace

std::optional<uint64_t> proc_status_kib(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  const std::string prefix = std::string(field) + ":";
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, prefix.size(), prefix) == 0)
      return std::strtoull(line.c_str() + prefix.size(), nullptr, 10);
  }
  return std::nullopt;
}

ServerWatch::ServerWatch(pid_t pid, std::string command, Url url, double wait_seconds)
    : pid_(pid), command_(std::move(command)), url_(std::move(url)), wait_seconds_(wait_seconds) {}

std::unique_ptr<ServerWatch> ServerWatch::attach(pid_t pid, std::string& error) {
  if (pid <= 0 || gone(pid)) {
    error = "--server-pid " + std::to_string(pid) + ": no such process";
    return nullptr;
  }
  std::unique_ptr<ServerWatch> w(new ServerWatch(pid, "", Url{}, 0));
  w->sampler_ = std::thread([p = w.get()] { p->sample_loop(); });
  return w;
}

std::unique_ptr<ServerWatch> ServerWatch::launch(const std::string& command, const Url& url,
                                                 double wait_seconds, std::string& error) {
  std::unique_ptr<ServerWatch> w(new ServerWatch(0, command, url, wait_seconds));
  if (!w->start(error)) return nullptr;
  w->sampler_ = std::thread([p = w.get()] { p->sample_loop(); });
  return w;
}

ServerWatch::~ServerWatch() {
  {
    const std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  wake_.notify_all();
  if (sampler_.joinable()) sampler_.join();
  if (launched()) stop();
}

bool ServerWatch::start(std::string& error) {
  // `exec`: the shell becomes the server, so the PID watched (and signalled) is the server's.
  // Its own group: stopping it stops what it started too. Its output goes to our stderr.
  child_ = ChildProcess::start({"/bin/sh", "-c", "exec " + command_},
                               ChildOutput{{}, /*stdout_to_stderr=*/true}, error);
  if (!child_) {
    error = "cannot start the server: " + error;
    return false;
  }
  pid_ = child_->pid();
  const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(wait_seconds_));
  while (Clock::now() < until) {
    if (auto how = ended()) {
      error = "the server command " + *how + " before listening on port " +
              std::to_string(url_.port) + ": " + command_;
      return false;
    }
    std::string ignored;
    auto t = Transport::connect(url_, Clock::now() + std::chrono::milliseconds(250), TlsOptions{},
                                ignored);
    if (t) {
      t->close();
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  error = "the server command did not listen on port " + std::to_string(url_.port) + " within " +
          std::to_string(static_cast<int>(wait_seconds_)) + " s: " + command_;
  stop();
  return false;
}

void ServerWatch::stop() {
  if (child_) child_->stop(std::chrono::seconds(3));  // 3 s to exit on SIGTERM
}

std::optional<std::string> ServerWatch::ended() {
  const pid_t p = pid_.load();
  if (!launched()) {
    if (!gone(p)) return std::nullopt;
    return std::string("exited (status unknown: not started by wsprobe)");
  }
  return child_ ? child_->ended() : std::string("exited");
}

bool ServerWatch::restart(std::string& error) {
  if (!launched()) {
    error = "not restarted: wsprobe did not start it (--server-pid)";
    return false;
  }
  stop();
  return start(error);
}

void ServerWatch::sample() {
  if (auto kib = proc_status_kib(pid_.load(), "VmRSS"); kib && *kib > peak_kib_) peak_kib_ = *kib;
}

void ServerWatch::sample_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!quit_) {
    wake_.wait_for(lock, std::chrono::milliseconds(memory_sample_ms));
    if (in_case_) sample();
  }
}

void ServerWatch::begin_case() {
  const pid_t p = pid_.load();
  const std::lock_guard<std::mutex> lock(mu_);
  before_kib_ = proc_status_kib(p, "VmRSS").value_or(0);
  hwm_before_kib_ = proc_status_kib(p, "VmHWM").value_or(0);
  peak_kib_ = before_kib_;
  in_case_ = true;
}

std::optional<ServerMemory> ServerWatch::end_case(uint64_t bytes_sent) {
  const pid_t p = pid_.load();
  const std::lock_guard<std::mutex> lock(mu_);
  in_case_ = false;
  if (before_kib_ == 0) return std::nullopt;  // no /proc (not Linux), or the server was gone
  sample();
  // The kernel's high-water mark only rises: if it rose during the case, the case reached it.
  const auto hwm = proc_status_kib(p, "VmHWM").value_or(0);
  if (hwm > hwm_before_kib_ && hwm > peak_kib_) peak_kib_ = hwm;
  ServerMemory m;
  m.rss_before = before_kib_ << 10;
  m.rss_peak = peak_kib_ << 10;
  m.growth = m.rss_peak - m.rss_before;
  m.bytes_sent = bytes_sent;
  m.amplification =
      static_cast<double>(m.growth) / static_cast<double>(std::max<uint64_t>(bytes_sent, 1));
  return m;
}

void judge_memory(const ServerMemory& m, CaseResult& r, bool unread) {
  r.server_memory = m;
  char ratio[32];
  (void)std::snprintf(ratio, sizeof(ratio), "%.0fx", m.amplification);
  add_note(r, "server RSS " + mib(m.rss_before) + " before the case, peak " + mib(m.rss_peak) +
                  " (+" + mib(m.growth) + ", " + ratio + " the " + std::to_string(m.bytes_sent) +
                  " bytes sent)");
  const bool hard = m.growth > memory_hard_growth && m.amplification > memory_hard_ratio;
  const bool soft = m.growth > memory_soft_growth && m.amplification > memory_soft_ratio;
  if (!hard && !soft && unread && m.growth > memory_unread_growth) {
    const std::string why = "unread output not bounded: the server's RSS grew by " + mib(m.growth) +
                            " while the tester did not read (over " + mib(memory_unread_growth) +
                            ", RFC 6455 10.4)";
    add_note(r, why);
    r.reason = r.reason.empty() ? why : why + "; " + r.reason;
    if (r.behavior == Behavior::ok || r.behavior == Behavior::informational)
      r.behavior = Behavior::non_strict;
    return;
  }
  if (!hard && !soft) return;
  const std::string why =
      "memory amplification " + std::string(ratio) + ": the server's RSS grew by " + mib(m.growth) +
      " during a case that sent " + std::to_string(m.bytes_sent) + " bytes (over " +
      (hard ? limit(memory_hard_growth, memory_hard_ratio)
            : limit(memory_soft_growth, memory_soft_ratio)) +
      ")";
  add_note(r, why);
  r.reason = r.reason.empty() ? why : why + "; " + r.reason;
  if (hard) {
    r.behavior = Behavior::failed;
  } else if (r.behavior == Behavior::ok || r.behavior == Behavior::informational) {
    r.behavior = Behavior::non_strict;
  }
}

}  // namespace wsprobe::harness
