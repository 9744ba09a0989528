#include "net/child_process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

namespace wsprobe::harness {

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
#ifdef __GLIBC__
    const char* name = sigabbrev_np(sig);  // "SEGV"
    if (name != nullptr)
      return "killed by signal " + std::to_string(sig) + " (SIG" + std::string(name) + ")";
#endif
    return "killed by signal " + std::to_string(sig);
  }
  return "ended (wait status " + std::to_string(status) + ")";
}

std::unique_ptr<ChildProcess> ChildProcess::start(const std::vector<std::string>& argv,
                                                  const ChildOutput& output, std::string& error) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const char* log = output.log_file.empty() ? nullptr : output.log_file.c_str();
  const pid_t child = ::fork();
  if (child < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    return nullptr;
  }
  if (child == 0) {
    // Only async-signal-safe calls between fork and exec (wsprobe has threads).
    (void)::setpgid(0, 0);
    (void)::signal(SIGPIPE,
                   SIG_DFL);  // wsprobe ignores it (main.cpp); an ignored signal survives exec
#ifdef __linux__
    // Its own group gets no Ctrl-C: if wsprobe dies without stopping it, it goes too.
    (void)::prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
    if (log != nullptr) {
      const int null_fd = ::open("/dev/null", O_RDONLY);
      const int log_fd = ::open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (null_fd >= 0) (void)::dup2(null_fd, 0);
      if (log_fd >= 0) {
        (void)::dup2(log_fd, 1);  // its chatter stays out of wsprobe's output
        (void)::dup2(log_fd, 2);
      }
    } else if (output.stdout_to_stderr) {
      (void)::dup2(2, 1);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  (void)::setpgid(child, child);  // also here: no race with the child's own setpgid
  return std::unique_ptr<ChildProcess>(new ChildProcess(child));
}

ChildProcess::~ChildProcess() {
  if (!stopped_) stop(std::chrono::seconds(3));
}

std::optional<std::string> ChildProcess::ended() {
  if (reaped_) return how_;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
  reaped_ = true;
  how_ = describe_wait_status(status);
  return how_;
}

void ChildProcess::stop(std::chrono::milliseconds grace) {
  stopped_ = true;
  (void)::kill(-pid_, SIGTERM);
  const auto step = std::chrono::milliseconds(20);
  for (auto waited = std::chrono::milliseconds(0); waited < grace && !ended(); waited += step)
    std::this_thread::sleep_for(step);
  (void)::kill(-pid_, SIGKILL);
  if (!reaped_) {
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_) how_ = describe_wait_status(status);
    reaped_ = true;
  }
}

}  // namespace wsprobe::harness
