#include "commands/browser.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string_view>
#include <thread>

#include "net/child_process.hpp"
#include "net/tls.hpp"
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

// Runs a short tool to its end (at most 30 s); empty when it exited 0, else what went wrong.
std::string run_tool(const std::vector<std::string>& argv, const fs::path& log) {
  std::string error;
  auto tool = ChildProcess::start(argv, ChildOutput{log.string()}, error);
  if (!tool) return "cannot start " + argv[0] + ": " + error;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  std::optional<std::string> how;
  while (!(how = tool->ended()) && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!how) {
    tool->stop(std::chrono::seconds(1));
    return argv[0] + " did not finish within 30 s";
  }
  if (*how == "exited with status 0") return {};
  return argv[0] + " " + argv[1] + " " + *how + ":" + tail(log, 5);
}

// The certificates of a PEM file, each a PEM block of its own (certutil imports one per call).
std::vector<std::string> pem_certificates(const std::string& file) {
  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  static constexpr std::string_view begin = "-----BEGIN CERTIFICATE-----";
  static constexpr std::string_view end = "-----END CERTIFICATE-----";
  std::vector<std::string> out;
  for (size_t at = text.find(begin); at != std::string::npos; at = text.find(begin, at)) {
    const size_t stop = text.find(end, at);
    if (stop == std::string::npos) break;
    out.push_back(text.substr(at, stop + end.size() - at) + "\n");
    at = stop;
  }
  return out;
}

// Firefox trusts what its profile's NSS database trusts, and only a CA as an anchor (not a
// certificate as its own), so each certificate of test-client's --cert chain goes in as a trusted
// CA ("C,,"): that chain, for this profile, and nothing else. Empty when done, else why not.
std::string trust_in_firefox_profile(const fs::path& profile, const std::string& cert_file) {
  const std::string certutil = find_executable("certutil");
  if (certutil.empty()) {
    return "firefox over wss needs certutil on PATH to make its profile trust --cert (Debian's "
           "libnss3-tools; ci/setup installs it)";
  }
  const std::string db = "sql:" + profile.string();
  const fs::path log = profile / "certutil.log";
  if (auto e = run_tool({certutil, "-N", "-d", db, "--empty-password"}, log); !e.empty()) return e;
  const auto certs = pem_certificates(cert_file);
  if (certs.empty()) return "no PEM certificate in --cert " + cert_file;
  for (size_t i = 0; i < certs.size(); ++i) {
    const fs::path one = profile / ("trusted-" + std::to_string(i) + ".pem");
    std::ofstream(one) << certs[i];
    const std::string nick = "wsprobe test-client " + std::to_string(i);
    if (auto e = run_tool(
            {certutil, "-A", "-d", db, "-n", nick, "-t", "C,,", "-a", "-i", one.string()}, log);
        !e.empty())
      return e;
  }
  return {};
}

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
                                      const std::string& profile_dir, const std::string& url,
                                      const std::string& trusted_spki) {
  if (name == "firefox") return {binary, "-headless", "-no-remote", "-profile", profile_dir, url};
  // --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
  std::vector<std::string> argv{binary,
                                "--headless=new",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--no-first-run",
                                "--no-default-browser-check",
                                "--disable-background-networking",
                                "--user-data-dir=" + profile_dir};
  // wss: trust exactly test-client's certificate (its key's hash), not every certificate.
  if (!trusted_spki.empty())
    argv.push_back("--ignore-certificate-errors-spki-list=" + trusted_spki);
  argv.push_back(url);
  return argv;
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
  std::string spki;  // wss (--cert): the browser must trust test-client's certificate
  if (!options.cert_file.empty()) {
    std::string error;
    if (browser.name == "firefox") {
      error = trust_in_firefox_profile(profile.path(), options.cert_file);
    } else {
      (void)spki_sha256_base64(options.cert_file, spki, error);
    }
    if (!error.empty()) return fail("--browser " + browser.name + " over wss: " + error);
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
    process =
        ChildProcess::start(browser_argv(browser.name, binary, profile.path().string(), page, spki),
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
