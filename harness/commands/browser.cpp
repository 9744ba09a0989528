#include "commands/browser.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include "net/transport.hpp"

namespace wsprobe::harness {
namespace {

namespace fs = std::filesystem;

// A fresh Firefox profile's prefs: no first-run pages, update or telemetry traffic, no dialog.
// RFC 6455 7.2.3 lets a client delay reconnecting after an abnormal closure; Firefox does (up to
// a minute), which would time out every case after a refused handshake, so the test turns it off.
constexpr const char* firefox_prefs =
    "user_pref(\"browser.shell.checkDefaultBrowser\", false);\n"
    "user_pref(\"browser.startup.homepage_override.mstone\", \"ignore\");\n"
    "user_pref(\"browser.aboutwelcome.enabled\", false);\n"
    "user_pref(\"datareporting.policy.dataSubmissionEnabled\", false);\n"
    "user_pref(\"toolkit.telemetry.reportingpolicy.firstRun\", false);\n"
    "user_pref(\"app.update.auto\", false);\n"
    "user_pref(\"app.normandy.enabled\", false);\n"
    "user_pref(\"network.websocket.delay-failed-reconnects\", false);\n";

// `exe` itself when it names a path, else the first executable file of that name on PATH.
std::string find_executable(const std::string& exe) {
  std::error_code ec;
  const auto runnable = [&](const std::string& p) {
    return ::access(p.c_str(), X_OK) == 0 && !fs::is_directory(p, ec);
  };
  if (exe.find('/') != std::string::npos) return runnable(exe) ? exe : std::string();
  const char* env = std::getenv("PATH");
  std::stringstream path(env != nullptr ? env : "/usr/bin:/bin");
  for (std::string dir; std::getline(path, dir, ':');) {
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + exe;
    if (runnable(candidate)) return candidate;
  }
  return {};
}

// The last `lines` lines of a file, indented, for an error message.
std::string tail(const fs::path& file, size_t lines) {
  std::ifstream in(file);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);)
    all.push_back(line);
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
    out += "\n  " + all[i];
  return out;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "ended";
}

// The browser as a child process in a process group of its own, so stopping it stops every
// process it started (renderers, content processes).
class BrowserProcess {
 public:
  static std::unique_ptr<BrowserProcess> start(const std::vector<std::string>& argv,
                                               const fs::path& log, std::string& error) {
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const std::string log_path = log.string();
    const pid_t child = ::fork();
    if (child < 0) {
      error = std::string("fork: ") + std::strerror(errno);
      return nullptr;
    }
    if (child == 0) {
      // Only async-signal-safe calls between fork and exec (wsprobe has threads).
      (void)::setpgid(0, 0);
#ifdef __linux__
      // Its own group gets no Ctrl-C: if wsprobe dies without stopping it, it goes too.
      (void)::prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
      const int null_fd = ::open("/dev/null", O_RDONLY);
      const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (null_fd >= 0) (void)::dup2(null_fd, 0);
      if (log_fd >= 0) {
        (void)::dup2(log_fd, 1);  // the browser's chatter stays out of wsprobe's output
        (void)::dup2(log_fd, 2);
      }
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    (void)::setpgid(child, child);  // also here: no race with the child's own setpgid
    return std::unique_ptr<BrowserProcess>(new BrowserProcess(child));
  }

  ~BrowserProcess() {
    stop();
  }
  BrowserProcess(const BrowserProcess&) = delete;
  BrowserProcess& operator=(const BrowserProcess&) = delete;

  // How the browser ended, if it has.
  std::optional<std::string> ended() {
    if (reaped_) return how_;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
    reaped_ = true;
    how_ = describe_status(status);
    return how_;
  }

  // SIGTERM to the whole group, 5 s to go, then SIGKILL to whatever of the group is left.
  void stop() {
    (void)::kill(-pid_, SIGTERM);
    for (int i = 0; i < 250 && !ended(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    (void)::kill(-pid_, SIGKILL);
    if (!reaped_) (void)::waitpid(pid_, nullptr, 0);
    reaped_ = true;
  }

 private:
  explicit BrowserProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  bool reaped_ = false;
  std::string how_;
};

// A temporary directory for the browser's profile, removed with everything in it.
class ProfileDir {
 public:
  explicit ProfileDir(const std::string& name) {
    std::error_code ec;
    std::string pattern = (fs::temp_directory_path(ec) / ("wsprobe-" + name + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ProfileDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  ProfileDir(const ProfileDir&) = delete;
  ProfileDir& operator=(const ProfileDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

int fail(const std::string& why) {
  (void)std::fprintf(stderr, "wsprobe test-client: %s\n", why.c_str());
  return 2;
}

}  // namespace

std::vector<std::string> browser_candidates(const std::string& name) {
  if (name == "firefox") return {"firefox", "firefox-esr"};
  if (name == "chromium") return {"chromium", "chromium-browser", "google-chrome"};
  return {};
}

std::vector<std::string> browser_argv(const std::string& name, const std::string& binary,
                                      const std::string& profile_dir, const std::string& url) {
  if (name == "firefox") return {binary, "-headless", "-no-remote", "-profile", profile_dir, url};
  // --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
  return {binary,
          "--headless=new",
          "--no-sandbox",
          "--disable-gpu",
          "--no-first-run",
          "--no-default-browser-check",
          "--disable-background-networking",
          "--user-data-dir=" + profile_dir,
          url};
}

int test_client_in_browser(TestClientOptions options, const BrowserOptions& browser) {
  const auto candidates = browser_candidates(browser.name);
  if (candidates.empty()) return fail("--browser: chromium or firefox, not " + browser.name);
  std::string binary;
  if (!browser.binary.empty()) {
    binary = find_executable(browser.binary);
    if (binary.empty()) return fail("--browser-binary " + browser.binary + ": not an executable");
  }
  for (size_t i = 0; binary.empty() && i < candidates.size(); ++i)
    binary = find_executable(candidates[i]);
  if (binary.empty()) {
    std::string tried;
    for (const auto& c : candidates)
      tried += (tried.empty() ? "" : ", ") + c;
    return fail("no " + browser.name + " on PATH (tried " + tried +
                "): install it (ci/setup installs Debian's chromium and firefox-esr) or give "
                "--browser-binary");
  }
  const ProfileDir profile(browser.name);
  if (profile.path().empty()) return fail("cannot create a temporary profile directory");
  if (browser.name == "firefox") {
    std::ofstream prefs(profile.path() / "user.js");
    prefs << firefox_prefs;
    if (!prefs) return fail("cannot write " + (profile.path() / "user.js").string());
  }
  const fs::path log = profile.path() / "browser.log";

  std::unique_ptr<BrowserProcess> process;
  std::string start_error;
  Clock::time_point deadline;
  options.exit_after_report = true;
  options.on_listening = [&](const std::string& ws_url) {
    // ws://host:port/ -> http://host:port/ (wss -> https): the page connects back the same way.
    const std::string page = "http" + ws_url.substr(2);
    std::printf("starting %s on %s\n", binary.c_str(), page.c_str());
    (void)std::fflush(stdout);
    process = BrowserProcess::start(
        browser_argv(browser.name, binary, profile.path().string(), page), log, start_error);
    deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(browser.timeout));
  };
  options.stop_reason = [&]() -> std::string {
    if (!process) return "cannot start " + binary + ": " + start_error;
    if (auto how = process->ended())
      return browser.name + " " + *how + " before /updateReports; its output:" + tail(log, 20);
    if (Clock::now() >= deadline) {
      return browser.name + " did not finish within " +
             std::to_string(static_cast<long>(browser.timeout)) +
             " s (--browser-timeout); its output:" + tail(log, 20);
    }
    return {};
  };
  const int rc = test_client(options);
  process.reset();  // stops the browser before its profile goes
  return rc;
}

}  // namespace wsprobe::harness
