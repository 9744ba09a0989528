#pragma once
// What a test-server run produced, and the writers that turn it into reports: the terminal
// summary, Autobahn's index.json, JUnit XML and a self-contained HTML report.

#include <string>
#include <vector>

#include "engine/case_runner.hpp"
#include "engine/catalogue.hpp"
#include "net/url.hpp"

namespace wsprobe::harness {

// How a case's verdict compares with the accepted ones of a baseline (report/baseline.hpp).
enum class Change : uint8_t {
  same,       // the verdict is an accepted one
  better,     // better than every accepted verdict on one verdict, worse on none
  worse,      // worse than every accepted verdict on at least one of the two verdicts
  different,  // neither: e.g. OK where INFORMATIONAL was accepted, or between raced verdicts
};

struct CaseChange {
  std::string id;
  std::string accepted;  // "NON-STRICT / OK", or "A or B" where the verdict races
  std::string got;       // "FAILED / OK"
  Change change = Change::same;
  std::string reason;  // the run's reason for its verdict
};

struct ServerRun {
  std::string agent;
  Url url;
  std::vector<const Case*> cases;
  std::vector<CaseResult> results;  // same order as cases
  double seconds = 0;
  std::string peer = "server";      // what was tested, for the reports' words: "client" too
  std::string baseline;             // the baseline file compared with, if any
  std::vector<CaseChange> changes;  // every case not as the baseline accepted, in run order
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
