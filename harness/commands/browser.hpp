#pragma once
// `wsprobe test-client --browser chromium|firefox`: a browser as the client under test in one
// command. wsprobe listens, starts the browser headless (a fresh profile in a temporary
// directory, its own process group) on the page it serves at "/" (commands/client_page.hpp),
// whose script runs every case with the browser's WebSocket API; after /updateReports wsprobe
// stops the browser and exits with the verdict.

#include <string>
#include <vector>

#include "commands/test_client.hpp"

namespace wsprobe::harness {

struct BrowserOptions {
  std::string name;      // "chromium" or "firefox"
  std::string binary;    // its executable; empty: the first of browser_candidates(name) on PATH
  double timeout = 900;  // seconds for the whole run, from the start of the browser
};

// The executables tried on PATH for a browser name, in order.
std::vector<std::string> browser_candidates(const std::string& name);

// The command line that opens `url` in the browser, headless, with the profile in `profile_dir`;
// `trusted_spki` (Chromium, wss): the base64 SHA-256 of the one server key to trust.
std::vector<std::string> browser_argv(const std::string& name, const std::string& binary,
                                      const std::string& profile_dir, const std::string& url,
                                      const std::string& trusted_spki = {});

// Runs test-client with the browser as its client. Exit: 0 nothing FAILED (with --baseline:
// nothing worse), 1 otherwise; 2 when the browser is missing, ends before /updateReports, or the
// timeout passes first.
int test_client_in_browser(TestClientOptions options, const BrowserOptions& browser);

}  // namespace wsprobe::harness
