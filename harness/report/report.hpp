#pragma once
// What a test-server run produced, and the writers that turn it into reports: the terminal
// summary, Autobahn's index.json, JUnit XML and a self-contained HTML report.

#include <string>
#include <vector>

#include "engine/case_runner.hpp"
#include "engine/catalogue.hpp"
#include "net/url.hpp"

namespace wsprobe::harness {

struct ServerRun {
  std::string agent;
  Url url;
  std::vector<const Case*> cases;
  std::vector<CaseResult> results;  // same order as cases
  double seconds = 0;
};

// Autobahn's per-case report file name: agent lower-cased, [^a-z0-9] -> '_', dots -> '_'.
std::string case_report_name(const std::string& agent, const std::string& id,
                             const std::string& ext);

// The summary by area, then every failed case with its reason. Returns the number of failures.
size_t print_summary(const Catalogue& catalogue, const std::vector<ServerRun>& runs, bool color);

// Autobahn's index.json: {agent: {case: {behavior, behaviorClose, duration, remoteCloseCode,
// reportfile}}}. With a report directory, writes the per-case JSON files it names too.
bool write_json(const std::string& path, const std::vector<ServerRun>& runs, std::string& error);
bool write_case_json_files(const std::string& dir, const std::vector<ServerRun>& runs,
                           std::string& error);
bool write_junit(const std::string& path, const std::vector<ServerRun>& runs, std::string& error);
bool write_html(const std::string& dir, const Catalogue& catalogue,
                const std::vector<ServerRun>& runs, std::string& error);

}  // namespace wsprobe::harness
