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

RunMasking masking_of(const MaskingJudge& keys) {
  return RunMasking{keys.frames(),       keys.zero_keys(), keys.repeated_keys(),
                    keys.stepped_keys(), keys.finding(),   keys.summary()};
}

}  // namespace

bool write_reports(const ReportPaths& paths, const Catalogue& catalogue,
                   const std::vector<ServerRun>& runs, std::string& error,
                   const CaseSelection& only) {
  if (!paths.report_dir.empty() && !(write_html(paths.report_dir, catalogue, runs, error, only) &&
                                     write_case_json_files(paths.report_dir, runs, error, only)))
    return false;
  if (!paths.junit.empty() && !write_junit(paths.junit, runs, error)) return false;
  return paths.json.empty() || write_json(paths.json, runs, error);
}

LiveReports::LiveReports(ReportPaths paths, const Catalogue& catalogue,
                         std::vector<const Case*> selected, Url url, Hooks hooks)
    : paths_(std::move(paths)),
      catalogue_(catalogue),
      selected_(std::move(selected)),
      url_(std::move(url)),
      hooks_(std::move(hooks)) {
  if (paths_.any()) writer_ = std::thread([this] { writer_loop(); });
}

LiveReports::~LiveReports() {
  {
    const std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

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

void LiveReports::started(const std::string& agent, size_t index) {
  const std::lock_guard<std::mutex> lock(mu_);
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
  changed(selected_[index]->id);
}

void LiveReports::finished(const std::string& agent, size_t index, CaseResult result) {
  const std::lock_guard<std::mutex> lock(mu_);
  auto& run = run_of(agent);
  auto& keys = masking_[agent];
  for (const uint32_t key : result.mask_keys)
    keys.add(key);
  run.masking = masking_of(keys);
  auto& indices = indices_[agent];
  // In selection order, as /updateReports has always listed them.
  const auto at = std::upper_bound(indices.begin(), indices.end(), index);
  const auto k = at - indices.begin();
  indices.insert(at, index);
  run.cases.insert(run.cases.begin() + k, selected_[index]);
  run.results.insert(run.results.begin() + k, std::move(result));
  add_up_seconds(run);
  run.live = LiveRun{selected_[index]->id, nullptr, selected_.size()};
  changed(selected_[index]->id);
}

std::vector<ServerRun> LiveReports::finish_runs() {
  const std::lock_guard<std::mutex> lock(mu_);
  for (auto& run : runs_)
    run.live.reset();
  changed_ = CaseSelection{false, {}};
  if (pending_) {
    pending_ = false;
    if (hooks_.current) hooks_.current(any_failed_locked());
  }
  return runs_;
}

bool LiveReports::any_failed() const {
  const std::lock_guard<std::mutex> lock(mu_);
  return any_failed_locked();
}

bool LiveReports::any_failed_locked() const {
  return std::any_of(runs_.begin(), runs_.end(), [](const ServerRun& run) {
    return (run.masking && !run.masking->finding.empty()) ||
           std::any_of(run.results.begin(), run.results.end(),
                       [](const CaseResult& r) { return r.failed(); });
  });
}

void LiveReports::changed(const std::string& id) {
  if (!paths_.any()) {  // no report asked for: nothing on disk falls behind
    if (hooks_.current) hooks_.current(any_failed_locked());
    return;
  }
  changed_.ids.insert(id);
  if (!pending_) {
    pending_ = true;
    if (hooks_.behind) hooks_.behind();
  }
  wake_.notify_all();
}

void LiveReports::writer_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return quit_ || pending_; });
    if (pending_ && !quit_) {  // one update per gap: what changes meanwhile joins it
      (void)wake_.wait_until(lock, last_update_ + gap_, [this] { return quit_ || !pending_; });
    }
    if (pending_) {
      write_pending();
    } else if (quit_) {
      return;
    }
  }
}

void LiveReports::write_pending() {
  const auto begun = std::chrono::steady_clock::now();
  std::string error;
  if (!write_reports(paths_, catalogue_, runs_, error, changed_) && hooks_.error)
    hooks_.error(error);
  changed_ = CaseSelection{false, {}};
  pending_ = false;
  last_update_ = std::chrono::steady_clock::now();
  // Writing takes at most a fifth of the run, however large the index pages grow.
  gap_ = std::max<std::chrono::steady_clock::duration>(min_gap, 4 * (last_update_ - begun));
  if (hooks_.current) hooks_.current(any_failed_locked());
}

}  // namespace wsprobe::harness
