#pragma once
// test-client's reports kept up to date case by case: index.json, the JUnit file and the HTML
// report (with its per-case JSON files) are rewritten when a case starts (naming it, INCOMPLETE)
// and when it ends (with its verdict, marked as the last case reached), so a client that crashes
// or hangs, or a wsprobe killed mid-run, leaves reports naming the case it reached. Each file is
// replaced atomically (report/markup.hpp). Per update only the index pages and the one case's
// files are rewritten: the cost stays linear in the cases run so far, never in pages.

#include <map>
#include <string>
#include <vector>

#include "report/report.hpp"

namespace wsprobe::harness {

// Where the reports go; an empty path is a report not asked for.
struct ReportPaths {
  std::string json;        // Autobahn's index.json
  std::string junit;       // JUnit XML
  std::string report_dir;  // the HTML report and the per-case JSON files
  [[nodiscard]] bool any() const { return !json.empty() || !junit.empty() || !report_dir.empty(); }
};

// Writes every report `paths` asks for, index.json last: once it names a state, the others do
// too. With `only_case`, of the per-case files only that case's (the others are as an earlier
// call wrote them).
bool write_reports(const ReportPaths& paths, const Catalogue& catalogue,
                   const std::vector<ServerRun>& runs, std::string& error,
                   const std::string& only_case = {});

class LiveReports {
 public:
  // `selected`: the cases the clients are offered, in /runCase's numbering; `url`: where.
  LiveReports(ReportPaths paths, const Catalogue& catalogue, std::vector<const Case*> selected,
              Url url);

  // Case `index` of the selection starts for `agent`: the reports name it INCOMPLETE (an earlier
  // result of the same case is dropped: the new run replaces it).
  bool started(const std::string& agent, size_t index, std::string& error);
  // It ended with `result`: the reports give its verdict, as the agent's last case reached.
  bool finished(const std::string& agent, size_t index, CaseResult result, std::string& error);

  // Every agent's results so far, in agent order, without live marks: what /updateReports
  // judges and writes (write_reports). The marks stay off until a case starts again: the
  // reports /updateReports wrote are final, as they always were.
  std::vector<ServerRun> finish_runs();
  // Some finished case, of any agent, FAILED.
  [[nodiscard]] bool any_failed() const;

 private:
  ServerRun& run_of(const std::string& agent);
  bool write(const std::string& only_case, std::string& error) const;

  ReportPaths paths_;
  const Catalogue& catalogue_;
  std::vector<const Case*> selected_;
  Url url_;
  std::vector<ServerRun> runs_;                         // in agent order, as the reports list
  std::map<std::string, std::vector<size_t>> indices_;  // agent -> selection index per result
};

}  // namespace wsprobe::harness
