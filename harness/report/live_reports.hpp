#pragma once
// test-client's reports kept up to date case by case: index.json, the JUnit file and the HTML
// report (with its per-case JSON files) name each case as it starts (INCOMPLETE) and give its
// verdict when it ends (marked as the last case reached), so a client that crashes or hangs, or a
// wsprobe stopped mid-run, leaves reports naming the case it reached. Each file is replaced
// atomically (report/markup.hpp), index.json last: once it names a state, the others do too.
//
// The cost stays linear in the cases run. Each update rewrites the index pages (index.json, the
// JUnit file, index.html), whose size grows with the cases run, so they are not rewritten on
// every case start and end: a writer thread brings them up to date at most once per gap, the gap
// being 250 ms or four times the last update's own time, whichever is longer (so writing takes at
// most a fifth of the run however large the reports grow). Of the per-case files an update
// writes only those of the cases changed since the last. An update comes at once when the last
// was a gap ago, so the reports lag the run by one gap at most: a client that crashes or hangs
// still leaves them naming its last finished case and the running one, within a quarter second.
// A hung case does not hold the writer up (it is not the thread that runs cases).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/masking.hpp"
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
// too. With `only`, of the per-case files only those cases' (the others are as an earlier call
// wrote them).
bool write_reports(const ReportPaths& paths, const Catalogue& catalogue,
                   const std::vector<ServerRun>& runs, std::string& error,
                   const CaseSelection& only = {});

class LiveReports {
 public:
  // What the owner learns (test-client's stop signals): `behind` when the reports on disk fall
  // behind the run, `current` when they have caught up (with whether some finished case, or a
  // whole-run masking judgement, FAILED), `error` when a write failed. Called with the reports'
  // lock held, from the thread that runs cases or from the writer: they must not call back.
  struct Hooks {
    std::function<void()> behind;
    std::function<void(bool any_failed)> current;
    std::function<void(const std::string& error)> error;
  };

  // Shortest time between two updates of the index pages.
  static constexpr std::chrono::milliseconds min_gap{250};

  // `selected`: the cases the clients are offered, in /runCase's numbering; `url`: where.
  LiveReports(ReportPaths paths, const Catalogue& catalogue, std::vector<const Case*> selected,
              Url url, Hooks hooks = {});
  // Brings the reports up to date (what is pending is written), then stops the writer.
  ~LiveReports();
  LiveReports(const LiveReports&) = delete;
  LiveReports& operator=(const LiveReports&) = delete;

  // Case `index` of the selection starts for `agent`: the reports name it INCOMPLETE (an earlier
  // result of the same case is dropped: the new run replaces it).
  void started(const std::string& agent, size_t index);
  // It ended with `result`: the reports give its verdict, as the agent's last case reached; its
  // masking keys join the agent's whole-run judgement (RFC 6455 5.3, 10.3).
  void finished(const std::string& agent, size_t index, CaseResult result);

  // Every agent's results so far, in agent order, without live marks: what /updateReports
  // judges and writes (write_reports). An update still pending is dropped: the caller writes the
  // final reports. The marks stay off until a case starts again: the reports /updateReports
  // wrote are final, as they always were.
  std::vector<ServerRun> finish_runs();
  // Some finished case, of any agent, FAILED, or an agent's keys over the whole run did.
  [[nodiscard]] bool any_failed() const;

 private:
  ServerRun& run_of(const std::string& agent);
  void changed(const std::string& id);  // with mu_ held
  [[nodiscard]] bool any_failed_locked() const;
  void writer_loop();
  void write_pending();  // with mu_ held

  ReportPaths paths_;
  const Catalogue& catalogue_;
  std::vector<const Case*> selected_;
  Url url_;
  Hooks hooks_;

  mutable std::mutex mu_;                               // guards what follows
  std::vector<ServerRun> runs_;                         // in agent order, as the reports list
  std::map<std::string, std::vector<size_t>> indices_;  // agent -> selection index per result
  std::map<std::string, MaskingJudge> masking_;         // agent -> every key of the run
  CaseSelection changed_{false, {}};                    // cases whose files are out of date
  bool pending_ = false;                                // the reports on disk are behind
  bool quit_ = false;
  std::chrono::steady_clock::time_point last_update_;  // when the last update ended
  std::chrono::steady_clock::duration gap_ = min_gap;
  std::condition_variable wake_;
  std::thread writer_;
};

}  // namespace wsprobe::harness
