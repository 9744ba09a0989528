#pragma once
// A program wsprobe starts and stops itself: a server under test (--server-cmd,
// engine/server_watch.hpp) or a browser as the client under test (--browser,
// commands/browser.hpp). It runs in a process group of its own, so stopping it stops every process
// it started (a shell's children, a browser's renderers), and on Linux it gets SIGTERM if wsprobe
// dies without stopping it. POSIX only, as the rest of wsprobe's process handling.

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wsprobe::harness {

// Where the child's output goes.
struct ChildOutput {
  std::string log_file;  // stdout and stderr to this file (stdin from /dev/null); empty: below
  bool stdout_to_stderr = false;  // without a log file: its stdout to wsprobe's stderr
};

class ChildProcess {
 public:
  // Starts argv[0] (a path: no PATH search) with `argv`. Null, with the error, when fork fails;
  // a failed exec shows as the child ending with status 127.
  static std::unique_ptr<ChildProcess> start(const std::vector<std::string>& argv,
                                             const ChildOutput& output, std::string& error);
  // Stops it (stop()) if it still runs.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  // How it ended ("exited with status 3", "killed by signal 11 (SIGSEGV)"), once it has; reaps it.
  std::optional<std::string> ended();
  // SIGTERM to its whole group, up to `grace` for it to end, then SIGKILL to whatever of the group
  // is left; reaps it. Again after it ended: what it left in its group still goes.
  void stop(std::chrono::milliseconds grace);

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  bool reaped_ = false;
  bool stopped_ = false;
  std::string how_;
};

// A wait status in words: "exited with status 3", "killed by signal 11 (SIGSEGV)".
std::string describe_wait_status(int status);

}  // namespace wsprobe::harness
