#include <cstdio>
#include <fstream>

#include "report/markup.hpp"
#include "report/report.hpp"
#include "report/throughput.hpp"

namespace wsprobe::harness {
namespace {

std::string testcase_head(const ServerRun& run, const Case& c, const char* time) {
  return "    <testcase classname=\"" + escape_markup(run.agent + "." + c.area) + "\" name=\"" +
         escape_markup(c.id + " (" + rfc_reference(c) + ") " + c.description) + "\" time=\"" +
         time + "\">\n";
}

// The whole run's masking keys as one testcase (report.hpp RunMasking): failed on a finding.
std::string masking_testcase(const ServerRun& run, const RunMasking& m) {
  std::string x = "    <testcase classname=\"" + escape_markup(run.agent + ".masking") +
                  "\" name=\"masking keys over the whole run (RFC 6455 " + masking_rfc +
                  ") a new, unpredictable key for each frame\" time=\"0.000\">\n";
  if (m.finding.empty()) {
    x += "      <system-out>" + escape_markup(m.summary) + "</system-out>\n";
  } else {
    x += "      <failure message=\"" + escape_markup(m.finding) + "\" type=\"FAILED\">" +
         escape_markup(m.summary) + "</failure>\n";
  }
  return x + "    </testcase>\n";
}

}  // namespace

bool write_junit(const std::string& path, const std::vector<ServerRun>& runs, std::string& error) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"wsprobe\">\n";
  for (const auto& run : runs) {
    size_t failures = 0;
    size_t skipped = 0;
    for (const auto& r : run.results) {
      failures += r.failed() ? 1 : 0;
      skipped += r.behavior == Behavior::unimplemented ? 1 : 0;
    }
    const Case* running = run.live ? run.live->running : nullptr;
    const size_t masking = run.masking ? 1 : 0;
    failures += run.masking && !run.masking->finding.empty() ? 1 : 0;
    char time[32];
    (void)std::snprintf(time, sizeof(time), "%.3f", run.seconds);
    x += "  <testsuite name=\"" + escape_markup(run.agent) + "\" tests=\"" +
         std::to_string(run.results.size() + masking + (running != nullptr ? 1 : 0)) +
         "\" failures=\"" + std::to_string(failures) + (running != nullptr ? "\" errors=\"1" : "") +
         "\" skipped=\"" + std::to_string(skipped) + "\" time=\"" + time + "\">\n";
    x += "    <properties><property name=\"url\" value=\"" + escape_markup(run.url.str()) + "\"/>";
    if (run.live) {
      x += "<property name=\"lastCase\" value=\"" + escape_markup(run.live->last_case) +
           "\"/><property name=\"lastCaseState\" value=\"" +
           (running != nullptr ? "running" : "finished") + "\"/>";
    }
    x += "</properties>\n";
    for (size_t k = 0; k < run.results.size(); ++k) {
      const auto& r = run.results[k];
      const auto* c = run.cases[k];
      (void)std::snprintf(time, sizeof(time), "%.3f", static_cast<double>(r.duration_ms) / 1000.0);
      x += testcase_head(run, *c, time);
      std::string evidence = "expected: " + c->expectation +
                             "\nbehavior: " + std::string(to_string(r.behavior)) +
                             ", close: " + std::string(to_string(r.behavior_close)) + "\n";
      if (const auto t = case_throughput(*c, r))
        evidence += "throughput: " + describe_throughput(*t) + "\n";
      for (const auto& e : r.log) {
        char line[48];
        (void)std::snprintf(line, sizeof(line), "%9.1f ms %c ", e.t_ms, e.dir);
        evidence += line + e.shown() + "\n";
      }
      if (r.failed()) {
        x += "      <failure message=\"" + escape_markup(r.reason) + "\" type=\"" +
             escape_markup(std::string(to_string(r.behavior))) + "\">" + escape_markup(evidence) +
             "</failure>\n";
      } else if (r.behavior == Behavior::unimplemented) {
        x += "      <skipped message=\"" + escape_markup(r.reason) + "\"/>\n";
      } else {
        x += "      <system-out>" + escape_markup(evidence) + "</system-out>\n";
      }
      x += "    </testcase>\n";
    }
    if (running != nullptr) {  // no verdict yet: an error in JUnit's words, not a failure
      x += testcase_head(run, *running, "0.000") + "      <error message=\"" +
           escape_markup(incomplete_reason) + "\" type=\"" + incomplete_verdict +
           "\"/>\n    </testcase>\n";
    }
    if (run.masking) x += masking_testcase(run, *run.masking);
    x += "  </testsuite>\n";
  }
  x += "</testsuites>\n";
  return write_file(path, x, error);
}

}  // namespace wsprobe::harness
