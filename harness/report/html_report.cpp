// The HTML report: one self-contained index page for every server side by side (Autobahn's
// master report shape), with the summary and what needs attention at the top, and one page per
// case and server saying in words what was sent, what was expected and what happened. No
// external resources: the pages open from a CI artifact as they are.

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "report/case_words.hpp"
#include "report/markup.hpp"
#include "report/report.hpp"
#include "report/throughput.hpp"
#include "wsprobe/utf8.hpp"

namespace wsprobe::harness {
namespace {

const char* const style = R"(<style>
body{font:14px system-ui,sans-serif;margin:1.5em 2em;color:#222}
table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f2f2f2}
.v-OK{background:#c8f0c8}.v-NON-STRICT{background:#f8f0a0}.v-INFORMATIONAL{background:#d8e8ff}
.v-UNIMPLEMENTED{background:#e0e0e0}.v-INCOMPLETE,#live{background:#f8d0a0}.v-FAILED,.c-worse{background:#f4b8b8}.c-better{background:#c8f0c8}.c-changed{background:#f8f0a0}
.chip{display:inline-block;padding:0 6px;margin:1px;border-radius:3px;white-space:nowrap}
td.v-OK a,td.v-FAILED a{color:#123}
pre{background:#f7f7f7;padding:8px;overflow-x:auto;white-space:pre-wrap}
.wire td:nth-child(3){font-family:monospace}
tr.area td{background:#eee;font-weight:bold}
.ctl{font-size:9px;color:#777;border:1px solid #bbb;border-radius:2px;padding:0 1px;margin-left:1px}
.small{color:#666;font-size:12px}
#filters{position:sticky;top:0;background:#fff;padding:6px 0;border-bottom:1px solid #ccc}
</style>)";

// The filter: verdict and area from two selects (or the URL's #verdict=..&area=..), rows carry
// data-v (their verdicts across servers) and data-area. body[data-ready] says the script ran.
const char* const script = R"(<script>
(function () {
  var fv = document.getElementById('fv'), fa = document.getElementById('fa');
  var rows = document.querySelectorAll('#all tbody tr');
  function apply() {
    var v = fv.value, a = fa.value, shown = 0, byArea = {};
    rows.forEach(function (r) {
      if (r.classList.contains('area')) return;
      var show = (!a || r.dataset.area === a) && (!v || (' ' + r.dataset.v + ' ').indexOf(' ' + v + ' ') >= 0);
      r.hidden = !show;
      if (show) { shown++; byArea[r.dataset.area] = true; }
    });
    rows.forEach(function (r) { if (r.classList.contains('area')) r.hidden = !byArea[r.dataset.area]; });
    document.getElementById('shown').textContent = shown + ' of ' + (rows.length - document.querySelectorAll('#all tr.area').length) + ' cases shown';
  }
  var h = new URLSearchParams(location.hash.slice(1));
  if (h.get('verdict')) fv.value = h.get('verdict');
  if (h.get('area')) fa.value = h.get('area');
  fv.onchange = fa.onchange = function () {
    apply();
    location.hash = 'verdict=' + encodeURIComponent(fv.value) + '&area=' + encodeURIComponent(fa.value);
  };
  apply();
  document.body.dataset.ready = '1';
})();
</script>)";

const char* const verdicts[] = {"FAILED", "NON-STRICT", "UNIMPLEMENTED", "INFORMATIONAL", "OK"};

std::string page_head(const std::string& title) {
  return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
         escape_markup(title) + "</title>" + style + "</head><body>";
}

std::string chip(const std::string& verdict, const std::string& text) {
  return "<span class=\"chip v-" + verdict + "\">" + text + "</span>";
}

std::string area_title(const Catalogue& catalogue, const std::string& area) {
  return catalogue.area_titles.count(area) != 0 ? catalogue.area_titles.at(area) : area;
}

std::string ms(double t) {
  char buf[32];
  (void)std::snprintf(buf, sizeof(buf), "%.1f", t);
  return buf;
}

// Bytes as a reader can see them: CR and LF as small CR LF marks (the line still breaks after
// LF; marks, not the U+240D/U+240A pictures, which many fonts lack), other control bytes as their
// control pictures, bytes that are not UTF-8 as ⟨hex⟩.
std::string wire_text(std::string_view s) {
  const bool utf8 = codec::is_valid_utf8({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
  std::string out;
  for (char ch : s) {
    const auto b = static_cast<unsigned char>(ch);
    if (ch == '\r') {
      out += "<span class=\"ctl\">CR</span>";
    } else if (ch == '\n') {
      out += "<span class=\"ctl\">LF</span>\n";  // and the line break it stands for
    } else if (b >= 0x80 && !utf8) {
      char hex[16];
      (void)std::snprintf(hex, sizeof(hex), "\xE2\x9F\xA8%02x\xE2\x9F\xA9", b);  // ⟨xx⟩
      out += hex;
    } else {
      out += escape_markup(std::string_view(&ch, 1));
    }
  }
  return out;
}

// Long evidence folded: the first line shows, the whole is one click away.
std::string folded(const std::string& text) {
  constexpr size_t shown = 160;
  if (text.size() <= shown) return wire_text(text);
  size_t cut = shown;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;  // not inside a UTF-8 sequence
  return "<details><summary>" + wire_text(text.substr(0, cut)) + "&hellip; (" +
         std::to_string(text.size()) + " characters)</summary>" + wire_text(text) + "</details>";
}

std::string list(const std::vector<std::string>& items, const std::string& none) {
  if (items.empty()) return "<p>" + escape_markup(none) + "</p>";
  std::string s = "<ol>";
  for (const auto& i : items)
    s += "<li>" + folded(i) + "</li>";
  return s + "</ol>";
}

const CaseChange* change_of(const ServerRun& run, const std::string& id) {
  for (const auto& c : run.changes)
    if (c.id == id) return &c;
  return nullptr;
}

std::string change_word(Change c) {
  switch (c) {
    case Change::worse:
      return "worse";
    case Change::better:
      return "better";
    case Change::different:
      return "changed";
    case Change::same:
      break;
  }
  return "as accepted";
}

std::string what_happened(const ServerRun& run, const CaseResult& r, const std::string& peer) {
  std::string s = "<p>" + escape_markup(r.reason.empty() ? "As expected." : r.reason) + "</p>";
  s += "<p>Events received, in order:</p>" + list(r.received, "None.");
  std::string end;
  if (!r.connected) {
    end = "The tester could not connect.";
  } else if (r.http_response.empty()) {
    end = "No opening-handshake answer came.";
  } else if (r.http_response.compare(0, 12, "HTTP/1.1 101") != 0) {
    end = "The " + peer + " answered the opening handshake with \"" +
          r.http_response.substr(0, r.http_response.find('\r')) +
          "\": no WebSocket connection followed.";
  } else {
    end = r.closed_by_me ? "The tester started the closing handshake. "
                         : "The " + peer + " ended the connection first. ";
    end += r.remote_close_code
               ? "The " + peer + " sent close code " + std::to_string(*r.remote_close_code) +
                     (r.remote_close_reason.empty() ? std::string()
                                                    : " (\"" + r.remote_close_reason + "\")") +
                     ". "
               : "The " + peer + " sent no close frame. ";
    end += r.was_clean ? "The close was clean." : "The close was not clean.";
    if (r.dropped_by_me) end += " The tester dropped TCP itself.";
  }
  s += "<p>" + escape_markup(end) + "</p>";
  if (const auto* ch = change_of(run, r.id)) {
    s += "<p class=\"c-" + change_word(ch->change) + "\">Against the baseline " +
         escape_markup(run.baseline) + ": accepted " + escape_markup(ch->accepted) + ", now " +
         escape_markup(ch->got) + " (" + change_word(ch->change) + ").</p>";
  }
  return s;
}

// A case page's top: the title, then `verdict` (the verdict chip and words).
std::string case_page_head(const ServerRun& run, const Case& c, const std::string& verdict) {
  return page_head(run.agent + " " + c.id) +
         "<p><a href=\"index.html\">&larr; all cases</a></p><h1>Case " + escape_markup(c.id) +
         " &mdash; " + escape_markup(run.agent) + "</h1><p>" + verdict + "</p>";
}

// What the case asks, in words: the requirement, what the tester sends, what it expects.
std::string case_requirement(const Case& c, const std::string& peer) {
  std::string h = "<h2>The requirement</h2><p>" + escape_markup(rfc_reference(c)) + ", " +
                  std::string(to_string(c.requirement)) + "</p>";
  if (!c.rfc_text.empty()) h += "<blockquote>" + escape_markup(c.rfc_text) + "</blockquote>";
  h += "<h2>What the tester sent</h2><p>" + escape_markup(c.description) + "</p>" +
       list(describe_steps(c), "Nothing beyond the opening handshake.");
  h += "<h2>What was expected</h2><p>" + escape_markup(c.expectation) +
       "</p><p>Events back, in order:</p>" + list(describe_expected(c.ok), "");
  if (c.non_strict) {
    h += "<p>Also accepted, as NON-STRICT:</p>" + list(describe_expected(*c.non_strict), "");
  }
  return h + "<p>" + escape_markup(describe_close(c, "the " + peer)) + "</p>";
}

// The bytes a large case moved and their rate (report/throughput.hpp), as a table row.
std::string throughput_row(const Case& c, const CaseResult& r) {
  const auto t = case_throughput(c, r);
  if (!t) return {};
  return "<tr><th>Throughput</th><td>" + describe_throughput(*t) + ", over the duration</td></tr>";
}

std::string case_page(const ServerRun& run, const Case& c, const CaseResult& r,
                      const std::string& peer) {
  const std::string head(headline(r));
  std::string h = case_page_head(
      run, c,
      chip(head, head) + " behavior " + escape_markup(std::string(to_string(r.behavior))) +
          ", close " + escape_markup(std::string(to_string(r.behavior_close))));
  h += case_requirement(c, peer);
  h += "<h2>What happened</h2>" + what_happened(run, r, peer);
  h += "<h2>Details</h2><table><tr><th>Duration</th><td>" + std::to_string(r.duration_ms) +
       " ms</td></tr>" + throughput_row(c, r) + "<tr><th>Confirmation</th><td>" +
       escape_markup(r.confirmation.empty() ? "not needed (no timer decided the verdict)"
                                            : r.confirmation) +
       "</td></tr><tr><th>Replay</th><td><code>wsprobe test-server " +
       escape_markup(run.url.str()) + " --cases " + escape_markup(c.id) + " --seed " +
       std::to_string(r.seed) + "</code> (" + std::to_string(r.chunks.size() + r.chunks_dropped) +
       " writes to the socket" +
       (r.chunks_dropped != 0 ? ", " + std::to_string(r.chunks_dropped) + " not recorded" : "") +
       ")</td></tr></table>";
  h += "<h2>Opening handshake</h2><p class=\"small\">Every CR and LF byte is marked.</p><pre>" +
       wire_text(r.http_request) + "</pre><pre>" +
       (r.http_response.empty() ? std::string("(no answer)") : wire_text(r.http_response)) +
       "</pre>";
  h += "<h2>Wire log</h2><table class=\"wire\"><tr><th>ms</th><th></th><th>event</th></tr>";
  for (const auto& e : r.log) {
    const char* dir = e.dir == '>' ? "sent" : (e.dir == '<' ? "received" : "note");
    h += "<tr><td>" + ms(e.t_ms) + "</td><td>" + dir + "</td><td>" + folded(e.shown()) +
         "</td></tr>";
  }
  return h + "</table></body></html>";
}

// A live run's running case (report.hpp): what it asks, and that it has no verdict yet.
std::string running_page(const ServerRun& run, const Case& c) {
  return case_page_head(run, c, chip(incomplete_verdict, incomplete_verdict)) +
         case_requirement(c, run.peer) +
         "<h2>What happened</h2><p>No verdict: " + escape_markup(incomplete_reason) +
         ".</p></body></html>";
}

// Live runs: which case each client reached last, above everything else.
std::string live_banner(const std::vector<ServerRun>& runs) {
  std::string items;
  for (const auto& run : runs) {
    if (!run.live) continue;
    const auto& l = *run.live;
    items +=
        "<li>" + escape_markup(run.agent) + ": " + std::to_string(run.results.size()) + " of " +
        std::to_string(l.selected) + " cases have a verdict; last case reached: " + "<a href=\"" +
        case_report_name(run.agent, l.last_case, "html") + "\">" + escape_markup(l.last_case) +
        "</a> " +
        (l.running != nullptr
             ? chip(incomplete_verdict, incomplete_verdict) + " " + escape_markup(incomplete_reason)
             : escape_markup(last_case_note)) +
        "</li>";
  }
  if (items.empty()) return {};
  return "<section id=\"live\"><h2>Run not finished</h2><p>This report was written while the "
         "clients ran, before /updateReports.</p><ul>" +
         items + "</ul></section>";
}

// The whole-run masking findings (report.hpp RunMasking), above everything but the live banner.
std::string masking_banner(const std::vector<ServerRun>& runs) {
  std::string items;
  for (const auto& run : runs) {
    if (run.masking && !run.masking->finding.empty()) {
      items +=
          "<li>" + escape_markup(run.agent) + ": " + escape_markup(run.masking->summary) + "</li>";
    }
  }
  if (items.empty()) return {};
  return "<section id=\"masking\" class=\"v-FAILED\"><h2>Masking keys over the whole run: "
         "FAILED</h2><p>RFC 6455 " +
         std::string(masking_rfc) +
         ": a new, unpredictable masking key for each frame. Judged over every frame the "
         "client sent in the run:</p><ul>" +
         items + "</ul></section>";
}

// The summary: per area (rows) and server (columns), the counts by verdict.
std::string summary(const Catalogue& catalogue, const std::vector<ServerRun>& runs,
                    const std::vector<std::string>& areas) {
  std::string h = "<section id=\"summary\"><h2>Summary</h2><table><tr><th>area</th>";
  for (const auto& run : runs)
    h += "<th>" + escape_markup(run.agent) + "</th>";
  h += "</tr>";
  std::vector<std::map<std::string, std::map<std::string, size_t>>> counts(runs.size());
  for (size_t s = 0; s < runs.size(); ++s) {
    for (size_t k = 0; k < runs[s].results.size(); ++k) {
      const std::string v(headline(runs[s].results[k]));
      ++counts[s][runs[s].cases[k]->area][v];
      ++counts[s][""][v];
    }
  }
  auto cells = [&](const std::string& area) {
    std::string row;
    for (size_t s = 0; s < runs.size(); ++s) {
      row += "<td>";
      for (const char* v : verdicts) {
        const auto& by = counts[s][area];
        if (by.count(v) != 0) row += chip(v, std::to_string(by.at(v)) + " " + v);
      }
      row += "</td>";
    }
    return row;
  };
  for (const auto& area : areas)
    h += "<tr><td>" + escape_markup(area_title(catalogue, area)) + "</td>" + cells(area) + "</tr>";
  h += "<tr><th>total</th>" + cells("") + "</tr><tr><th>run</th>";
  for (const auto& run : runs) {
    h += "<td class=\"small\">" + escape_markup(run.url.str()) + "<br>" +
         std::to_string(run.results.size()) + " cases in " + ms(run.seconds) + " s";
    if (!run.baseline.empty()) {
      size_t worse = 0;
      size_t better = 0;
      for (const auto& c : run.changes) {
        worse += c.change == Change::worse ? 1 : 0;
        better += c.change == Change::better ? 1 : 0;
      }
      h += "<br>baseline " + escape_markup(run.baseline) + ": " + std::to_string(worse) +
           " worse, " + std::to_string(better) + " better";
    }
    h += "</td>";
  }
  return h + "</tr></table></section>";
}

// What needs attention: changes against the baseline (worse first), then every failure.
std::string attention(const Catalogue& catalogue, const std::vector<ServerRun>& runs) {
  std::string h = "<section id=\"attention\">";
  bool any_baseline = false;
  std::string rows;
  for (const Change kind : {Change::worse, Change::better, Change::different}) {
    for (const auto& run : runs) {
      any_baseline = any_baseline || !run.baseline.empty();
      for (const auto& c : run.changes) {
        if (c.change != kind) continue;
        rows += "<tr class=\"c-" + change_word(kind) + "\"><td>" + escape_markup(run.agent) +
                "</td><td><a href=\"" + case_report_name(run.agent, c.id, "html") + "\">" +
                escape_markup(c.id) + "</a></td><td>" + change_word(kind) + "</td><td>" +
                escape_markup(c.accepted) + " &rarr; " + escape_markup(c.got) + "</td><td>" +
                escape_markup(c.reason) + "</td></tr>";
      }
    }
  }
  if (any_baseline) {
    h += "<h2>Changes against the baseline</h2>";
    h += rows.empty() ? "<p>Every verdict is as the baseline accepted.</p>"
                      : "<table><tr><th>server</th><th>case</th><th>change</th><th>accepted "
                        "&rarr; now</th><th>why</th></tr>" +
                            rows + "</table>";
  }
  h += "<h2>Failures</h2>";
  std::string failures;
  for (const auto& run : runs) {
    for (size_t k = 0; k < run.results.size(); ++k) {
      const auto& r = run.results[k];
      if (!r.failed()) continue;
      const auto* c = run.cases[k];
      failures += "<tr><td>" + escape_markup(run.agent) + "</td><td><a href=\"" +
                  case_report_name(run.agent, c->id, "html") + "\">" + escape_markup(c->id) +
                  "</a></td><td>" + escape_markup(area_title(catalogue, c->area)) +
                  "</td><td class=\"v-FAILED\">" +
                  escape_markup(std::string(to_string(r.behavior)) + " / " +
                                std::string(to_string(r.behavior_close))) +
                  "</td><td>" + escape_markup(r.reason) + "</td></tr>";
    }
  }
  h += failures.empty() ? "<p>No case FAILED.</p>"
                        : "<table><tr><th>server</th><th>case</th><th>area</th><th>verdict</th>"
                          "<th>why</th></tr>" +
                              failures + "</table>";
  return h + "</section>";
}

}  // namespace

bool write_html(const std::string& dir, const Catalogue& catalogue,
                const std::vector<ServerRun>& runs, std::string& error, const CaseSelection& only) {
  std::filesystem::create_directories(dir);
  // Every case any server ran, in catalogue order; servers may have run different selections.
  std::map<std::string, const Case*, bool (*)(const std::string&, const std::string&)> cases(
      id_less);
  std::vector<std::map<std::string, size_t>> index(runs.size());  // per run: id -> result
  for (size_t s = 0; s < runs.size(); ++s) {
    if (const Case* c = runs[s].live ? runs[s].live->running : nullptr) {
      cases[c->id] = c;
      if (only.has(c->id) && !write_file(dir + "/" + case_report_name(runs[s].agent, c->id, "html"),
                                         running_page(runs[s], *c), error))
        return false;
    }
    for (size_t k = 0; k < runs[s].results.size(); ++k) {
      cases[runs[s].cases[k]->id] = runs[s].cases[k];
      index[s][runs[s].cases[k]->id] = k;
      if (!only.has(runs[s].cases[k]->id)) continue;
      const std::string page = case_report_name(runs[s].agent, runs[s].cases[k]->id, "html");
      if (!write_file(dir + "/" + page,
                      case_page(runs[s], *runs[s].cases[k], runs[s].results[k], runs[s].peer),
                      error))
        return false;
    }
  }
  std::vector<std::string> areas;  // in catalogue order
  for (const auto& [id, c] : cases)
    if (std::find(areas.begin(), areas.end(), c->area) == areas.end()) areas.push_back(c->area);

  std::string h = page_head("wsprobe report") + "<h1>wsprobe report</h1>" + live_banner(runs) +
                  masking_banner(runs);
  h += summary(catalogue, runs, areas) + attention(catalogue, runs);
  h += "<section id=\"cases\"><h2>All cases</h2><div id=\"filters\">Verdict <select id=\"fv\">"
       "<option value=\"\">any</option>";
  for (const char* v : verdicts)
    h += std::string("<option>") + v + "</option>";
  if (std::any_of(runs.begin(), runs.end(), [](const ServerRun& r) { return r.live.has_value(); }))
    h += std::string("<option>") + incomplete_verdict + "</option>";
  h += "<option value=\"WORSE\">worse than the baseline</option><option "
       "value=\"BETTER\">better than the baseline</option></select> Area <select id=\"fa\">"
       "<option value=\"\">any</option>";
  for (const auto& area : areas) {
    h += "<option value=\"" + escape_markup(area) + "\">" +
         escape_markup(area_title(catalogue, area)) + "</option>";
  }
  h += "</select> <span id=\"shown\"></span></div>";
  h += "<table id=\"all\"><thead><tr><th>case</th><th>RFC 6455</th><th>what it does</th>";
  for (const auto& run : runs)
    h += "<th>" + escape_markup(run.agent) + "</th>";
  h += "</tr></thead><tbody>";
  std::string area;
  for (const auto& [id, c] : cases) {
    if (c->area != area) {
      area = c->area;
      h += "<tr class=\"area\" data-area=\"" + escape_markup(area) + "\"><td colspan=\"" +
           std::to_string(3 + runs.size()) + "\">" + escape_markup(area_title(catalogue, area)) +
           "</td></tr>";
    }
    std::set<std::string> tokens;
    std::string cells;
    for (size_t s = 0; s < runs.size(); ++s) {
      const auto& live = runs[s].live;
      if (live && live->running != nullptr && live->running->id == id) {
        tokens.insert(incomplete_verdict);
        cells += std::string("<td class=\"v-") + incomplete_verdict + "\" title=\"" +
                 escape_markup(incomplete_reason) + "\"><a href=\"" +
                 case_report_name(runs[s].agent, id, "html") + "\">" + incomplete_verdict +
                 "</a> <span class=\"small\">last case reached</span></td>";
        continue;
      }
      const auto it = index[s].find(id);
      if (it == index[s].end()) {
        cells += "<td class=\"small\">not run</td>";
        continue;
      }
      const auto& r = runs[s].results[it->second];
      const std::string v(headline(r));
      tokens.insert(v);
      std::string mark;
      if (const auto* ch = change_of(runs[s], id)) {
        if (ch->change == Change::worse) tokens.insert("WORSE");
        if (ch->change == Change::better) tokens.insert("BETTER");
        mark = " <span class=\"chip c-" + change_word(ch->change) + "\">" +
               change_word(ch->change) + "</span>";
      }
      cells += "<td class=\"v-" + v + "\" title=\"" + escape_markup(r.reason) + "\"><a href=\"" +
               case_report_name(runs[s].agent, id, "html") + "\">" + v + "</a>" +
               (r.behavior_close != CloseBehavior::ok
                    ? " <span class=\"small\">close " +
                          escape_markup(std::string(to_string(r.behavior_close))) + "</span>"
                    : std::string()) +
               (r.remote_close_code
                    ? " <span class=\"small\">" + std::to_string(*r.remote_close_code) + "</span>"
                    : std::string()) +
               mark +
               (live && live->running == nullptr && live->last_case == id
                    ? std::string(" <span class=\"chip v-") + incomplete_verdict +
                          "\">last case reached</span>"
                    : std::string()) +
               "</td>";
    }
    std::string data_v;
    for (const auto& t : tokens)
      data_v += (data_v.empty() ? "" : " ") + t;
    h += "<tr data-area=\"" + escape_markup(c->area) + "\" data-v=\"" + data_v + "\"><td>" +
         escape_markup(id) + "</td><td>" + escape_markup(c->rfc) + "</td><td>" +
         escape_markup(c->description) + "</td>" + cells + "</tr>";
  }
  h += "</tbody></table></section>" + std::string(script) + "</body></html>";
  return write_file(dir + "/index.html", h, error);
}

}  // namespace wsprobe::harness
