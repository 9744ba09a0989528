#include "commands/browser.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "net/child_process.hpp"
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

  // The browser in a process group of its own: stopping it stops every process it started
  // (renderers, content processes).
  std::unique_ptr<ChildProcess> process;
  std::string start_error;
  Clock::time_point deadline;
  options.exit_after_report = true;
  options.on_listening = [&](const std::string& ws_url) {
    // ws://host:port/ -> http://host:port/ (wss -> https): the page connects back the same way.
    const std::string page = "http" + ws_url.substr(2);
    std::printf("starting %s on %s\n", binary.c_str(), page.c_str());
    (void)std::fflush(stdout);
    process = ChildProcess::start(browser_argv(browser.name, binary, profile.path().string(), page),
                                  ChildOutput{log.string()}, start_error);
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
  if (process) process->stop(std::chrono::seconds(5));  // before its profile goes
  return rc;
}

}  // namespace wsprobe::harness
