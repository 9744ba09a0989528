#include <cstdio>
#include <filesystem>
#include <fstream>

#include "report/markup.hpp"
#include "report/report.hpp"

namespace wsprobe::harness {
namespace {

const char* style =
    "<style>body{font:14px "
    "system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
    "th{background:#f2f2f2}.OK{background:#c8f0c8}.NON-STRICT{background:#f8f0a0}"
    ".INFORMATIONAL{background:#d8e8ff}.UNIMPLEMENTED{background:#e0e0e0}.FAILED,.WRONG,.UNCLEAN{"
    "background:#f4b8b8}"
    "pre{background:#f7f7f7;padding:8px;overflow-x:auto}h2{margin-top:2em}.area "
    "td{background:#eee;font-weight:bold}"
    "</style>";

std::string css_class(const std::string& verdict) {
  if (verdict == "WRONG CODE") return "WRONG";
  if (verdict == "FAILED BY CLIENT") return "NON-STRICT";
  return verdict;
}

std::string case_page(const ServerRun& run, const Case& c, const CaseResult& r) {
  std::string h = "<!doctype html><meta charset=\"utf-8\"><title>" +
                  escape_markup(run.agent + " " + c.id) + "</title>" + style;
  h += "<p><a href=\"index.html\">&larr; all cases</a></p><h1>Case " + escape_markup(c.id) +
       " &mdash; " + escape_markup(run.agent) + "</h1>";
  h += "<table><tr><th>RFC 6455</th><td>" + escape_markup(c.rfc) +
       "</td></tr><tr><th>Sends</th><td>" + escape_markup(c.description) +
       "</td></tr><tr><th>Expected</th><td>" + escape_markup(c.expectation) +
       "</td></tr><tr><th>Behavior</th><td class=\"" +
       css_class(std::string(to_string(r.behavior))) + "\">" +
       escape_markup(std::string(to_string(r.behavior))) +
       "</td></tr><tr><th>Close</th><td class=\"" +
       css_class(std::string(to_string(r.behavior_close))) + "\">" +
       escape_markup(std::string(to_string(r.behavior_close))) + "</td></tr><tr><th>Why</th><td>" +
       escape_markup(r.reason) + "</td></tr><tr><th>Server's close</th><td>" +
       (r.remote_close_code
            ? std::to_string(*r.remote_close_code) + " " + escape_markup(r.remote_close_reason)
            : "none") +
       "</td></tr><tr><th>Duration</th><td>" + std::to_string(r.duration_ms) + " ms" +
       "</td></tr><tr><th>Confirmation</th><td>" +
       escape_markup(r.confirmation.empty() ? "not needed (no timer decided the verdict)"
                                            : r.confirmation) +
       "</td></tr><tr><th>Replay</th><td><code>wsprobe test-server URL --cases " +
       escape_markup(c.id) + " --seed " + std::to_string(r.seed) + "</code> (" +
       std::to_string(r.chunks.size() + r.chunks_dropped) + " writes to the socket" +
       (r.chunks_dropped != 0 ? ", " + std::to_string(r.chunks_dropped) + " not recorded" : "") +
       ")</td></tr></table>";
  auto list = [](const std::vector<std::string>& items) {
    std::string s = "<ol>";
    for (const auto& i : items)
      s += "<li>" + escape_markup(i) + "</li>";
    return s + "</ol>";
  };
  h +=
      "<h2>Expected events</h2>" + list(r.expected) + "<h2>Received events</h2>" + list(r.received);
  h += "<h2>Opening handshake</h2><pre>" + escape_markup(r.http_request) + "</pre><pre>" +
       escape_markup(r.http_response) + "</pre>";
  h += "<h2>Wire log</h2><table><tr><th>ms</th><th></th><th>event</th></tr>";
  for (const auto& e : r.log) {
    char t[32];
    (void)std::snprintf(t, sizeof(t), "%.1f", e.t_ms);
    const char* dir = e.dir == '>' ? "sent" : (e.dir == '<' ? "received" : "note");
    h += std::string("<tr><td>") + t + "</td><td>" + dir + "</td><td>" + escape_markup(e.text) +
         "</td></tr>";
  }
  return h + "</table>";
}

}  // namespace

bool write_html(const std::string& dir, const Catalogue& catalogue,
                const std::vector<ServerRun>& runs, std::string& error) {
  std::filesystem::create_directories(dir);
  std::string h = "<!doctype html><meta charset=\"utf-8\"><title>wsprobe report</title>" +
                  std::string(style) + "<h1>wsprobe report</h1>";
  for (const auto& run : runs) {
    size_t failed = 0;
    for (const auto& r : run.results)
      failed += r.failed() ? 1 : 0;
    h += "<h2>" + escape_markup(run.agent) + " &mdash; " + escape_markup(run.url.str()) +
         "</h2><p>" + std::to_string(run.results.size()) + " cases, " + std::to_string(failed) +
         " failed, " + std::to_string(static_cast<int>(run.seconds * 1000)) + " ms</p>";
    h += "<table><tr><th>case</th><th>RFC "
         "6455</th><th>sends</th><th>behavior</th><th>close</th><th>ms</th><th>why</th></tr>";
    std::string area;
    for (size_t k = 0; k < run.results.size(); ++k) {
      const auto& r = run.results[k];
      const auto* c = run.cases[k];
      if (c->area != area) {
        area = c->area;
        const auto title =
            catalogue.area_titles.count(area) != 0 ? catalogue.area_titles.at(area) : area;
        h += "<tr class=\"area\"><td colspan=\"7\">" + escape_markup(title) + "</td></tr>";
      }
      const std::string page = case_report_name(run.agent, c->id, "html");
      h += "<tr><td><a href=\"" + page + "\">" + escape_markup(c->id) + "</a></td><td>" +
           escape_markup(c->rfc) + "</td><td>" + escape_markup(c->description) +
           "</td><td class=\"" + css_class(std::string(to_string(r.behavior))) + "\">" +
           escape_markup(std::string(to_string(r.behavior))) + "</td><td class=\"" +
           css_class(std::string(to_string(r.behavior_close))) + "\">" +
           escape_markup(std::string(to_string(r.behavior_close))) +
           (r.remote_close_code ? " " + std::to_string(*r.remote_close_code) : "") + "</td><td>" +
           std::to_string(r.duration_ms) + "</td><td>" + escape_markup(r.reason) + "</td></tr>";
      if (!write_file(dir + "/" + page, case_page(run, *c, r), error)) return false;
    }
    h += "</table>";
  }
  return write_file(dir + "/index.html", h, error);
}

}  // namespace wsprobe::harness
