#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "report/markup.hpp"
#include "report/report.hpp"
#include "report/throughput.hpp"

namespace wsprobe::harness {
namespace {

using nlohmann::ordered_json;

ordered_json nullable_code(const std::optional<uint16_t>& code) {
  return code ? ordered_json(*code) : ordered_json(nullptr);
}

// What was seen of the server after the case (engine/health.hpp), only when it was looked at:
// the health check's outcome, how the server process ended, its memory during the case.
template <typename Json>
void add_server_fields(Json& j, const CaseResult& r) {
  if (!r.health.empty()) j["healthCheck"] = r.health;
  if (!r.server_exit.empty()) j["serverExit"] = r.server_exit;
  if (const auto& m = r.server_memory) {
    j["serverMemory"] = {{"rssBefore", m->rss_before},
                         {"rssPeak", m->rss_peak},
                         {"growth", m->growth},
                         {"bytesSent", m->bytes_sent},
                         {"amplification", m->amplification}};
  }
}

// A live run's mark (report.hpp): the running case with no verdict, or the last one reached.
void add_progress(nlohmann::json& agent, const ServerRun& run) {
  if (const auto* c = run.live->running) {
    agent[c->id] = {{"behavior", incomplete_verdict},
                    {"behaviorClose", incomplete_verdict},
                    {"duration", 0},
                    {"remoteCloseCode", nullptr},
                    {"reportfile", case_report_name(run.agent, c->id, "json")},
                    {"progress", "running"}};
  } else if (agent.contains(run.live->last_case)) {
    agent[run.live->last_case]["progress"] = "last";
  }
}

// The per-case file of a running case: what it is, and that it has no verdict.
bool write_running_case_json(const std::string& dir, const ServerRun& run, std::string& error) {
  const auto* c = run.live->running;
  const ordered_json j = {
      {"agent", run.agent},
      {"id", c->id},
      {"rfc", c->rfc},
      {"description", c->description},
      {"expectation", c->expectation},
      {"behavior", incomplete_verdict},
      {"behaviorClose", incomplete_verdict},
      {"reason", incomplete_reason},
      {"progress", "running"},
  };
  return write_file(dir + "/" + case_report_name(run.agent, c->id, "json"), j.dump(2) + "\n",
                    error);
}

nlohmann::json throughput_json(const Throughput& t) {
  return {{"bytesSent", t.bytes_sent},
          {"bytesReceived", t.bytes_received},
          {"megabytesPerSecond", t.megabytes_per_second}};
}

}  // namespace

std::string case_report_name(const std::string& agent, const std::string& id,
                             const std::string& ext) {
  std::string a;
  for (char ch : agent) {
    const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    a += (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') ? l : '_';
  }
  std::string i = id;
  std::replace(i.begin(), i.end(), '.', '_');
  return a + "_case_" + i + "." + ext;
}

bool write_json(const std::string& path, const std::vector<ServerRun>& runs, std::string& error) {
  nlohmann::json index = nlohmann::json::object();  // sorted keys, as Autobahn writes them
  for (const auto& run : runs) {
    auto& agent = index[run.agent];
    for (size_t k = 0; k < run.results.size(); ++k) {
      const auto& r = run.results[k];
      agent[r.id] = {{"behavior", std::string(to_string(r.behavior))},
                     {"behaviorClose", std::string(to_string(r.behavior_close))},
                     {"duration", r.duration_ms},
                     {"remoteCloseCode", r.remote_close_code ? nlohmann::json(*r.remote_close_code)
                                                             : nlohmann::json(nullptr)},
                     {"reportfile", case_report_name(run.agent, r.id, "json")}};
      add_server_fields(agent[r.id], r);
      if (const auto t = case_throughput(*run.cases[k], r))
        agent[r.id]["throughput"] = throughput_json(*t);
    }
    if (run.live) add_progress(agent, run);
    if (const auto& m = run.masking) {  // the whole run's keys (report.hpp RunMasking)
      agent["masking"] = {{"verdict", m->finding.empty() ? "OK" : "FAILED"},
                          {"rfc", masking_rfc},
                          {"frames", m->frames},
                          {"zeroKeys", m->zero_keys},
                          {"repeatedKeys", m->repeated_keys},
                          {"steppedKeys", m->stepped_keys},
                          {"finding", m->finding}};
    }
  }
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  return write_file(path, index.dump(3) + "\n", error);
}

bool write_case_json_files(const std::string& dir, const std::vector<ServerRun>& runs,
                           std::string& error, const CaseSelection& only) {
  std::filesystem::create_directories(dir);
  for (const auto& run : runs) {
    if (run.live && run.live->running && only.has(run.live->running->id))
      if (!write_running_case_json(dir, run, error)) return false;
    for (size_t k = 0; k < run.results.size(); ++k) {
      const auto& r = run.results[k];
      const auto* c = run.cases[k];
      if (!only.has(r.id)) continue;
      ordered_json log = ordered_json::array();
      for (const auto& e : r.log)
        log.push_back({e.t_ms, std::string(1, e.dir), e.shown()});
      // Every write to the socket, in order: --seed N with --cases ID replays the same bytes.
      ordered_json chunks = ordered_json::array();
      for (const auto& ch : r.chunks)
        chunks.push_back({ch.t_ms, ch.size, ch.head_hex});
      ordered_json j = {
          {"agent", run.agent},
          {"id", r.id},
          {"rfc", c->rfc},
          {"description", c->description},
          {"expectation", c->expectation},
          {"behavior", std::string(to_string(r.behavior))},
          {"behaviorClose", std::string(to_string(r.behavior_close))},
          {"reason", r.reason},
          {"duration", r.duration_ms},
          {"expected", r.expected},
          {"received", r.received},
          {"closedByMe", r.closed_by_me},
          {"wasClean", r.was_clean},
          {"droppedByMe", r.dropped_by_me},
          {"remoteCloseCode", nullable_code(r.remote_close_code)},
          {"remoteCloseReason", r.remote_close_reason},
          {"localCloseCode", nullable_code(r.local_close_code)},
          {"httpRequest", r.http_request},
          {"httpResponse", r.http_response},
          {"wirelog", log},
          {"evidenceTruncated", r.evidence_truncated},
          {"seed", r.seed},
          {"timeoutScale", r.timeout_scale},
          {"confirmation", r.confirmation},
          {"chunks", chunks},
          {"chunksNotRecorded", r.chunks_dropped},
      };
      add_server_fields(j, r);
      if (const auto t = case_throughput(*c, r)) j["throughput"] = throughput_json(*t);
      if (!write_file(dir + "/" + case_report_name(run.agent, r.id, "json"), j.dump(2) + "\n",
                      error))
        return false;
    }
  }
  return true;
}

}  // namespace wsprobe::harness
