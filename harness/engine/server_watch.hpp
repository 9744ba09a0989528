#pragma once
// Watching the server under test as a process (Linux /proc), as Defensics' instrumentation does:
// its memory per case and its life. `--server-pid PID` watches a server already running;
// `--server-cmd CMD` starts one (`/bin/sh -c 'exec CMD'`, so the watched PID is the server
// itself), waits for the URL's port, and starts it again when it dies. Resource-accounting bugs
// (a buffer preallocated to a claimed length, a limit applied after buffering) show only here:
// the wire looks fine while the server's RSS grows by hundreds of MiB.
//
// Memory is attributed to the case running while it grew, so a watch runs cases one at a time.
// Elsewhere than Linux there is no /proc: the watch is off, with a warning.

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "engine/result.hpp"
#include "net/child_process.hpp"
#include "net/url.hpp"

namespace wsprobe::harness {

// Growth of the server's RSS during one case over these is NON-STRICT ("memory amplification
// Nx"): more than 64 MiB and more than 4x the bytes the case sent. Over the hard pair it is
// FAILED: more than 512 MiB and more than 16x. A server may legitimately hold what it was sent
// (a 16 MiB message being echoed), hence the ratio; small growth is noise (allocator arenas).
inline constexpr uint64_t memory_soft_growth = uint64_t{64} << 20;
inline constexpr double memory_soft_ratio = 4.0;
inline constexpr uint64_t memory_hard_growth = uint64_t{512} << 20;
inline constexpr double memory_hard_ratio = 16.0;
// A case in which the tester stopped reading (Step::unread): the server's output to it can only
// pile up, and a server bounding its unread output (RFC 6455 10.4, robustness) grows by its cap
// and a message at most. Growth above this is NON-STRICT ("unread output not bounded"),
// whatever the ratio: a queue of pongs or echoes is about the size of what was sent.
inline constexpr uint64_t memory_unread_growth = uint64_t{32} << 20;
// RSS is sampled this often during a case (VmHWM, the kernel's own peak, cannot be reset without
// privilege, but it is read too: a spike between two samples still shows as a new high mark).
inline constexpr int memory_sample_ms = 10;

class ServerWatch {
 public:
  // Watches a running process. Error (and null) when it does not exist.
  static std::unique_ptr<ServerWatch> attach(pid_t pid, std::string& error);
  // Starts `command` and waits until `url`'s port accepts connections (at most `wait_seconds`).
  // The server's stdout goes to wsprobe's stderr, keeping wsprobe's stdout to its own lines.
  static std::unique_ptr<ServerWatch> launch(const std::string& command, const Url& url,
                                             double wait_seconds, std::string& error);
  ~ServerWatch();
  ServerWatch(const ServerWatch&) = delete;
  ServerWatch& operator=(const ServerWatch&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_.load(); }
  [[nodiscard]] bool launched() const { return !command_.empty(); }

  // A case starts: the RSS now is its baseline. Ends: the peak since, and the growth against
  // what the case sent; nullopt without /proc (not Linux) or when the server was gone.
  void begin_case();
  [[nodiscard]] std::optional<ServerMemory> end_case(uint64_t bytes_sent);

  // How the server ended, if it has: "exited with status 3", "killed by signal 11 (SIGSEGV)";
  // for a process wsprobe did not start, "exited (status unknown: not started by wsprobe)".
  [[nodiscard]] std::optional<std::string> ended();
  // Starts the command again (after ended(), or stopping a server that no longer answers).
  // False, with the error, for an attached process (nothing to start) or a failed start.
  bool restart(std::string& error);

 private:
  ServerWatch(pid_t pid, std::string command, Url url, double wait_seconds);
  bool start(std::string& error);
  void stop();
  void sample_loop();
  void sample();  // with mu_ held

  std::atomic<pid_t> pid_;
  std::string command_;  // empty: attached
  Url url_;
  double wait_seconds_;
  std::unique_ptr<ChildProcess> child_;  // launched: the server started last

  std::mutex mu_;  // guards what follows
  std::condition_variable wake_;
  bool quit_ = false;
  bool in_case_ = false;
  uint64_t before_kib_ = 0;      // VmRSS when the case began
  uint64_t hwm_before_kib_ = 0;  // VmHWM then
  uint64_t peak_kib_ = 0;        // the highest VmRSS sampled since
  std::thread sampler_;
};

// Applies the thresholds above to a case's result: evidence, and the verdict made NON-STRICT or
// FAILED (a verdict already worse stays).
// `unread`: the case stopped reading (memory_unread_growth applies).
void judge_memory(const ServerMemory& memory, CaseResult& r, bool unread = false);

// Memory sampling needs /proc; elsewhere a watch only keeps the server alive.
#ifdef __linux__
inline constexpr bool memory_watch_supported = true;
#else
inline constexpr bool memory_watch_supported = false;
#endif

// Reads "VmRSS" or "VmHWM" (KiB) of a process from /proc/PID/status; nullopt when gone.
std::optional<uint64_t> proc_status_kib(pid_t pid, const char* field);

}  // namespace wsprobe::harness
