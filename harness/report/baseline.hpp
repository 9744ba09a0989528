#pragma once
// Baselines: the verdicts a project accepted for one peer, so CI gates on changes for the worse
// instead of on "nothing FAILED", which almost every real server fails and which therefore gets
// switched off. A baseline lists each accepted non-OK verdict with a one-line reason; a case it
// does not list is expected to be "OK / OK". The panel's goldens (conformance/golden/*.json)
// are baselines too. The file format is harness/report/baseline.schema.json:
//
//   {"wsprobe_baseline": 1, "agent": "my-server", "library": "optional, free text",
//    "accepted": {"6.4.1": {"verdict": "NON-STRICT / OK", "reason": "UTF-8 checked per message"},
//                 "7.1.6": {"verdict": ["OK / OK", "INFORMATIONAL / OK"], "reason": "races"}}}
//
// A list of verdicts is for a case whose verdict races by the peer's design.

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/catalogue.hpp"
#include "engine/result.hpp"
#include "report/report.hpp"

namespace wsprobe::harness {

// Autobahn's two verdicts of a case, written "BEHAVIOR / BEHAVIORCLOSE" ("NON-STRICT / OK").
struct Verdict {
  Behavior behavior = Behavior::ok;
  CloseBehavior close = CloseBehavior::ok;
  friend bool operator==(const Verdict&, const Verdict&) = default;
};

std::string to_string(const Verdict& v);
std::optional<Verdict> parse_verdict(std::string_view text);
Verdict verdict_of(const CaseResult& r);

// How bad each verdict is. Changes are judged on each of the two verdicts by these ranks:
//   behavior:      OK = INFORMATIONAL < NON-STRICT < UNIMPLEMENTED < FAILED
//   behaviorClose: OK = INFORMATIONAL < FAILED BY CLIENT < UNCLEAN < WRONG CODE < FAILED
// INFORMATIONAL ranks with OK: the RFC leaves the behaviour open (Autobahn's 7.1.6, 7.13.x).
// UNIMPLEMENTED ranks above NON-STRICT: a feature that went missing is a regression.
int severity(Behavior b);
int severity(CloseBehavior b);

struct IdLess {
  bool operator()(const std::string& a, const std::string& b) const { return id_less(a, b); }
};

struct AcceptedVerdict {
  std::vector<Verdict> verdicts;  // more than one where the verdict races by the peer's design
  std::string reason;             // one line: why it is accepted
};

struct Baseline {
  std::string agent;    // the peer's name, for people reading the file
  std::string library;  // free text, kept as read
  // case id -> accepted verdict, in numeric id order; a case not listed is expected "OK / OK"
  std::map<std::string, AcceptedVerdict, IdLess> accepted;

  // The accepted verdicts of a case: its entry, or "OK / OK".
  [[nodiscard]] std::vector<Verdict> accepted_for(const std::string& id) const;
};

// Parses a baseline document; on failure sets `error` and returns nothing.
std::optional<Baseline> parse_baseline(const nlohmann::json& doc, std::string& error);
std::string baseline_text(const Baseline& b);  // the file's text, ids in numeric order
std::optional<Baseline> read_baseline(const std::string& path, std::string& error);
bool write_baseline(const std::string& path, const Baseline& b, std::string& error);

Change compare(const std::vector<Verdict>& accepted, const Verdict& got);

struct Comparison {
  std::vector<CaseChange> changes;  // every case not `same`, in the run's order
  size_t same = 0;
  [[nodiscard]] size_t count(Change c) const;
};

// Compares each case of the run with the baseline. Cases the baseline lists but the run did not
// select are left out: a run of '6.*' says nothing about 7.x.
Comparison compare(const Baseline& b, const ServerRun& run);

// The baseline that accepts this run: entries for the cases the run did not select are kept;
// every case the run selected gets its verdict if not "OK / OK". A reason is kept where the
// verdict was already accepted (a list of raced verdicts too); otherwise it is the run's.
Baseline updated(const Baseline& old, const ServerRun& run);

// Prints the comparison: a count line, then every change with old -> new verdict (worse first).
void print_comparison(const std::string& agent, const std::string& path, const Comparison& c,
                      bool color);

// The gate of test-server and test-client: compares runs[i] with the baseline in paths[i],
// records the changes in runs[i] (for the reports) and prints them; with `update`, (re)writes each
// file to accept its run (a file that does not exist yet is created). Returns the number of cases
// that got worse (none after an update), or nothing with `error` set when a file cannot be read or
// written.
std::optional<size_t> gate_on_baselines(const std::vector<std::string>& paths,
                                        std::vector<ServerRun>& runs, bool update, bool color,
                                        std::string& error);

// "OK / OK" or "NON-STRICT / OK or OK / OK": the accepted verdicts, in words.
std::string to_string(const std::vector<Verdict>& accepted);

}  // namespace wsprobe::harness
