#pragma once
// What a test-server run produced, and the writers that turn it into reports: the terminal
// summary, Autobahn's index.json, JUnit XML and a self-contained HTML report.

#include <optional>
#include <set>
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

// A test-client report written while the client runs (report/live_reports.hpp), before its
// /updateReports: which case the client reached last. The writers mark that case (index.json
// "progress": "running" or "last"); reports without it are exactly the final ones.
struct LiveRun {
  std::string last_case;          // the id of the case the client reached last
  const Case* running = nullptr;  // that case when it has started and has no verdict yet
  size_t selected = 0;            // the cases offered to the client (/getCaseCount)
};

// The words for a case with no verdict yet, in every report.
inline constexpr const char* incomplete_verdict = "INCOMPLETE";
inline constexpr const char* incomplete_reason =
    "the client did not finish this case: it started and had no verdict when this report was "
    "written (if the run stopped here, the client crashed or hung in it, or wsprobe was stopped)";
inline constexpr const char* last_case_note =
    "the last case the client reached: no case started after it and the client has not asked "
    "for /updateReports (if the run stopped here, the client stopped in or right after it)";

// test-client: the masking keys of every frame a client sent over the whole run, judged together
// (engine/masking.hpp, RFC 6455 5.3 and 10.3): a key source that looks fine within one case (a
// generator seeded alike on every connection) shows only here. index.json gives it as the
// agent's "masking" field, the HTML report at the top when it is a finding, JUnit as a testcase.
struct RunMasking {
  uint64_t frames = 0;
  uint64_t zero_keys = 0;
  uint64_t repeated_keys = 0;
  uint64_t stepped_keys = 0;  // keys a constant step from the key before (a counter)
  std::string finding;        // "" when the keys look uniform
  std::string summary;        // the counts, then OK or FAILED with the finding
};
inline constexpr const char* masking_rfc = "5.3, 10.3";

struct ServerRun {
  std::string agent;
  Url url;
  std::vector<const Case*> cases;
  std::vector<CaseResult> results;  // same order as cases
  double seconds = 0;
  std::string peer = "server";        // what was tested, for the reports' words: "client" too
  std::string baseline;               // the baseline file compared with, if any
  std::vector<CaseChange> changes;    // every case not as the baseline accepted, in run order
  std::optional<LiveRun> live;        // test-client only, before /updateReports
  std::optional<RunMasking> masking;  // test-client only
};

// Which cases' own files a writer (re)writes: all, or only these ids (the live reports' update;
// the others are as an earlier call wrote them).
struct CaseSelection {
  bool all = true;
  std::set<std::string> ids;
  [[nodiscard]] bool has(const std::string& id) const { return all || ids.count(id) != 0; }
};

// Autobahn's per-case report file name: agent lower-cased, [^a-z0-9] -> '_', dots -> '_'.
std::string case_report_name(const std::string& agent, const std::string& id,
                             const std::string& ext);

// The summary by area, then every failed case with its reason. Returns the number of failures.
size_t print_summary(const Catalogue& catalogue, const std::vector<ServerRun>& runs, bool color);

// Autobahn's index.json: {agent: {case: {behavior, behaviorClose, duration, remoteCloseCode,
// reportfile}}}; a test-client agent also has "masking" (RunMasking: verdict, counts, finding),
// the one key of an agent that is not a case id. A live run (test-client before /updateReports)
// adds "progress" to one case of each agent: "running" for a case started with no verdict yet (its
// behavior and behaviorClose are "INCOMPLETE", duration 0), or "last" for the last case the client
// reached, which has its verdict. The running case's per-case JSON file says so too ("progress":
// "running").
bool write_json(const std::string& path, const std::vector<ServerRun>& runs, std::string& error);
// With `only`, the per-case files of those case ids alone (the live reports' update).
bool write_case_json_files(const std::string& dir, const std::vector<ServerRun>& runs,
                           std::string& error, const CaseSelection& only = {});
// A live run's running case is a <testcase> with an <error type="INCOMPLETE">; the testsuite
// gets errors="1" and the properties lastCase and lastCaseState ("running" or "finished"). A
// test-client agent's whole-run masking judgement is the testcase AGENT.masking.
bool write_junit(const std::string& path, const std::vector<ServerRun>& runs, std::string& error);
bool write_html(const std::string& dir, const Catalogue& catalogue,
                const std::vector<ServerRun>& runs, std::string& error,
                const CaseSelection& only = {});

}  // namespace wsprobe::harness
