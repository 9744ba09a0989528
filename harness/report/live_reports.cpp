#include "report/live_reports.hpp"

#include <algorithm>
#include <utility>

namespace wsprobe::harness {
namespace {

void add_up_seconds(ServerRun& run) {
  run.seconds = 0;
  for (const auto& r : run.results)
    run.seconds += static_cast<double>(r.duration_ms) / 1000.0;
}

}  // namespace

bool write_reports(const ReportPaths& paths, const Catalogue& catalogue,
                   const std::vector<ServerRun>& runs, std::string& error,
                   const std::string& only_case) {
  if (!paths.report_dir.empty() &&
      !(write_html(paths.report_dir, catalogue, runs, error, only_case) &&
        write_case_json_files(paths.report_dir, runs, error, only_case)))
    return false;
  if (!paths.junit.empty() && !write_junit(paths.junit, runs, error)) return false;
  return paths.json.empty() || write_json(paths.json, runs, error);
}

LiveReports::LiveReports(ReportPaths paths, const Catalogue& catalogue,
                         std::vector<const Case*> selected, Url url)
    : paths_(std::move(paths)),
      catalogue_(catalogue),
      selected_(std::move(selected)),
      url_(std::move(url)) {}

ServerRun& LiveReports::run_of(const std::string& agent) {
  auto it = std::lower_bound(runs_.begin(), runs_.end(), agent,
                             [](const ServerRun& r, const std::string& a) { return r.agent < a; });
  if (it == runs_.end() || it->agent != agent) {
    ServerRun run;
    run.agent = agent;
    run.peer = "client";
    run.url = url_;
    it = runs_.insert(it, std::move(run));
  }
  return *it;
}

bool LiveReports::started(const std::string& agent, size_t index, std::string& error) {
  auto& run = run_of(agent);
  auto& indices = indices_[agent];
  if (const auto at = std::find(indices.begin(), indices.end(), index); at != indices.end()) {
    const auto k = at - indices.begin();
    indices.erase(at);
    run.cases.erase(run.cases.begin() + k);
    run.results.erase(run.results.begin() + k);
    add_up_seconds(run);
  }
  run.live = LiveRun{selected_[index]->id, selected_[index], selected_.size()};
  return write(selected_[index]->id, error);
}

bool LiveReports::finished(const std::string& agent, size_t index, CaseResult result,
                           std::string& error) {
  auto& run = run_of(agent);
  auto& indices = indices_[agent];
  // In selection order, as /updateReports has always listed them.
  const auto at = std::upper_bound(indices.begin(), indices.end(), index);
  const auto k = at - indices.begin();
  indices.insert(at, index);
  run.cases.insert(run.cases.begin() + k, selected_[index]);
  run.results.insert(run.results.begin() + k, std::move(result));
  add_up_seconds(run);
  run.live = LiveRun{selected_[index]->id, nullptr, selected_.size()};
  return write(selected_[index]->id, error);
}

std::vector<ServerRun> LiveReports::finish_runs() {
  for (auto& run : runs_)
    run.live.reset();
  return runs_;
}

bool LiveReports::any_failed() const {
  return std::any_of(runs_.begin(), runs_.end(), [](const ServerRun& run) {
    return std::any_of(run.results.begin(), run.results.end(),
                       [](const CaseResult& r) { return r.failed(); });
  });
}

bool LiveReports::write(const std::string& only_case, std::string& error) const {
  return !paths_.any() || write_reports(paths_, catalogue_, runs_, error, only_case);
}

}  // namespace wsprobe::harness
