// The URL protocol of `wsprobe test-client` (Autobahn's fuzzingserver) for the C++ client shims:
// SHIM BASE_URL AGENT. Each shim gives visit(url, echo): one connection that echoes every message
// (echo) or collects them, and returns what it collected once the connection is closed.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace fuzzing_client {

using Visit = std::function<std::vector<std::string>(const std::string& url, bool echo)>;

inline int run(int argc, char** argv, const Visit& visit) {
  if (argc < 3) {
    (void)std::fprintf(stderr, "usage: %s BASE_URL AGENT\n", argv[0]);
    return 2;
  }
  const std::string base = argv[1];
  const std::string agent = argv[2];
  const auto count = visit(base + "getCaseCount", false);
  if (count.empty()) {
    (void)std::fprintf(stderr, "%s: no case count from %sgetCaseCount\n", argv[0], base.c_str());
    return 1;
  }
  for (int n = 1; n <= std::stoi(count.front()); ++n)
    (void)visit(base + "runCase?case=" + std::to_string(n) + "&agent=" + agent, true);
  (void)visit(base + "updateReports?agent=" + agent, false);
  return 0;
}

// "ws://HOST:PORT/TARGET" split for the libraries that take the parts.
struct Parts {
  std::string host;
  std::string port;
  std::string target;
};

inline Parts split(const std::string& url) {
  const size_t authority = url.find("://") + 3;
  const size_t slash = url.find('/', authority);
  const size_t colon = url.rfind(':', slash);
  return {url.substr(authority, colon - authority), url.substr(colon + 1, slash - colon - 1),
          url.substr(slash)};
}

}  // namespace fuzzing_client
