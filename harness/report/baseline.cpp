#include "report/baseline.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "report/markup.hpp"

namespace wsprobe::harness {
namespace {

constexpr int format_version = 1;
constexpr std::string_view separator = " / ";

template <typename Enum>
std::optional<Enum> parse_enum(std::string_view text, Enum last) {
  for (int i = 0; i <= static_cast<int>(last); ++i) {
    const auto e = static_cast<Enum>(i);
    if (to_string(e) == text) return e;
  }
  return std::nullopt;
}

bool worse_than(const Verdict& a, const Verdict& b) {
  return severity(a.behavior) > severity(b.behavior) || severity(a.close) > severity(b.close);
}

bool better_than(const Verdict& a, const Verdict& b) {
  return !worse_than(a, b) &&
         (severity(a.behavior) < severity(b.behavior) || severity(a.close) < severity(b.close));
}

}  // namespace

std::string to_string(const Verdict& v) {
  return std::string(to_string(v.behavior)) + std::string(separator) +
         std::string(to_string(v.close));
}

std::string to_string(const std::vector<Verdict>& accepted) {
  std::string s;
  for (const auto& v : accepted)
    s += (s.empty() ? "" : " or ") + to_string(v);
  return s;
}

std::optional<Verdict> parse_verdict(std::string_view text) {
  const size_t at = text.find(separator);
  if (at == std::string_view::npos) return std::nullopt;
  const auto b = parse_enum(text.substr(0, at), Behavior::failed);
  const auto c = parse_enum(text.substr(at + separator.size()), CloseBehavior::informational);
  if (!b || !c) return std::nullopt;
  return Verdict{*b, *c};
}

Verdict verdict_of(const CaseResult& r) {
  return {r.behavior, r.behavior_close};
}

int severity(Behavior b) {
  switch (b) {
    case Behavior::ok:
    case Behavior::informational:
      return 0;
    case Behavior::non_strict:
      return 1;
    case Behavior::unimplemented:
      return 2;
    case Behavior::failed:
      break;
  }
  return 3;
}

int severity(CloseBehavior b) {
  switch (b) {
    case CloseBehavior::ok:
    case CloseBehavior::informational:
      return 0;
    case CloseBehavior::failed_by_client:
      return 1;
    case CloseBehavior::unclean:
      return 2;
    case CloseBehavior::wrong_code:
      return 3;
    case CloseBehavior::failed:
      break;
  }
  return 4;
}

std::vector<Verdict> Baseline::accepted_for(const std::string& id) const {
  const auto it = accepted.find(id);
  return it == accepted.end() ? std::vector<Verdict>{Verdict{}} : it->second.verdicts;
}

std::optional<Baseline> parse_baseline(const nlohmann::json& doc, std::string& error) {
  if (!doc.is_object() || doc.value("wsprobe_baseline", 0) != format_version) {
    error = "not a wsprobe baseline (\"wsprobe_baseline\": 1 missing)";
    return std::nullopt;
  }
  Baseline b;
  b.agent = doc.value("agent", std::string());
  b.library = doc.value("library", std::string());
  const auto accepted = doc.value("accepted", nlohmann::json::object());
  if (!accepted.is_object()) {
    error = "\"accepted\" must be an object of case id -> {verdict, reason}";
    return std::nullopt;
  }
  for (const auto& [id, entry] : accepted.items()) {
    const auto fail = [&, id = id](const std::string& why) {
      error = "case " + id + ": " + why;
      return std::nullopt;
    };
    if (!entry.is_object() || !entry.contains("verdict")) return fail("needs a \"verdict\"");
    const auto& v = entry["verdict"];
    const auto texts = v.is_array() ? v : nlohmann::json::array({v});
    AcceptedVerdict a;
    for (const auto& t : texts) {
      const auto parsed = t.is_string() ? parse_verdict(t.get<std::string>()) : std::nullopt;
      if (!parsed) return fail("verdict " + t.dump() + " is not \"BEHAVIOR / BEHAVIORCLOSE\"");
      a.verdicts.push_back(*parsed);
    }
    if (a.verdicts.empty()) return fail("no verdict");
    a.reason = entry.value("reason", std::string());
    b.accepted.emplace(id, std::move(a));
  }
  return b;
}

std::string baseline_text(const Baseline& b) {
  // Ordered: ids stay in the baseline's numeric order in the file ("2.10" after "2.9").
  nlohmann::ordered_json doc = {{"wsprobe_baseline", format_version}, {"agent", b.agent}};
  if (!b.library.empty()) doc["library"] = b.library;
  doc["accepted"] = nlohmann::ordered_json::object();
  for (const auto& [id, a] : b.accepted) {
    nlohmann::ordered_json v;
    if (a.verdicts.size() == 1) {
      v = to_string(a.verdicts.front());
    } else {
      for (const auto& one : a.verdicts)
        v.push_back(to_string(one));
    }
    doc["accepted"][id] = {{"verdict", v}, {"reason", a.reason}};
  }
  return doc.dump(1) + "\n";
}

std::optional<Baseline> read_baseline(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read baseline " + path;
    return std::nullopt;
  }
  try {
    auto b = parse_baseline(nlohmann::json::parse(in), error);
    if (!b) error = path + ": " + error;
    return b;
  } catch (const nlohmann::json::exception& e) {
    error = path + ": " + e.what();
    return std::nullopt;
  }
}

bool write_baseline(const std::string& path, const Baseline& b, std::string& error) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  return write_file(path, baseline_text(b), error);
}

Change compare(const std::vector<Verdict>& accepted, const Verdict& got) {
  if (std::find(accepted.begin(), accepted.end(), got) != accepted.end()) return Change::same;
  const auto all = [&](auto pred) { return std::all_of(accepted.begin(), accepted.end(), pred); };
  if (all([&](const Verdict& a) { return worse_than(got, a); })) return Change::worse;
  if (all([&](const Verdict& a) { return better_than(got, a); })) return Change::better;
  return Change::different;
}

size_t Comparison::count(Change c) const {
  return static_cast<size_t>(
      std::count_if(changes.begin(), changes.end(), [c](const auto& x) { return x.change == c; }));
}

Comparison compare(const Baseline& b, const ServerRun& run) {
  Comparison out;
  for (const auto& r : run.results) {
    const auto accepted = b.accepted_for(r.id);
    const auto got = verdict_of(r);
    const Change change = compare(accepted, got);
    if (change == Change::same) {
      ++out.same;
    } else {
      out.changes.push_back({r.id, to_string(accepted), to_string(got), change, r.reason});
    }
  }
  return out;
}

Baseline updated(const Baseline& old, const ServerRun& run) {
  Baseline b = old;
  b.agent = run.agent;
  for (const auto& r : run.results) {
    const auto got = verdict_of(r);
    const auto it = old.accepted.find(r.id);
    const bool kept = it != old.accepted.end() && compare(it->second.verdicts, got) == Change::same;
    b.accepted.erase(r.id);
    if (got == Verdict{}) continue;
    if (kept) {
      b.accepted.emplace(r.id, it->second);
    } else {
      // Every entry says why; an informational verdict may come without a reason.
      std::string why = r.reason;
      if (why.empty()) {
        why = got.behavior == Behavior::informational ? "informational: the RFC leaves this open"
                                                      : "accepted from a run that gave no reason";
      }
      b.accepted.emplace(r.id, AcceptedVerdict{{got}, why});
    }
  }
  return b;
}

void print_comparison(const std::string& agent, const std::string& path, const Comparison& c,
                      bool color) {
  const char* red = color ? "\033[31m" : "";
  const char* green = color ? "\033[32m" : "";
  const char* off = color ? "\033[0m" : "";
  std::printf(
      "\n%s against baseline %s: %zu worse, %zu better, %zu changed otherwise, %zu as accepted\n",
      agent.c_str(), path.c_str(), c.count(Change::worse), c.count(Change::better),
      c.count(Change::different), c.same);
  const std::pair<Change, const char*> order[] = {
      {Change::worse, "WORSE"}, {Change::better, "BETTER"}, {Change::different, "CHANGED"}};
  for (const auto& [kind, word] : order) {
    for (const auto& x : c.changes) {
      if (x.change != kind) continue;
      const char* on = kind == Change::worse ? red : (kind == Change::better ? green : "");
      std::printf("  %s%-7s%s %-8s %s -> %s", on, word, off, x.id.c_str(), x.accepted.c_str(),
                  x.got.c_str());
      if (kind == Change::worse) {
        std::printf(": %s\n", x.reason.c_str());
      } else if (kind == Change::better) {
        std::printf(" (--update-baseline accepts it)\n");
      } else {
        std::printf("\n");
      }
    }
  }
}

std::optional<size_t> gate_on_baselines(const std::vector<std::string>& paths,
                                        std::vector<ServerRun>& runs, bool update, bool color,
                                        std::string& error) {
  size_t worse = 0;
  for (size_t i = 0; i < runs.size() && i < paths.size(); ++i) {
    std::optional<Baseline> b;
    if (update && !std::filesystem::exists(paths[i])) {
      b = Baseline{};
    } else {
      b = read_baseline(paths[i], error);
    }
    if (!b) return std::nullopt;
    const auto c = compare(*b, runs[i]);
    print_comparison(runs[i].agent, paths[i], c, color);
    runs[i].baseline = paths[i];
    runs[i].changes = c.changes;
    if (update) {
      if (!write_baseline(paths[i], updated(*b, runs[i]), error)) return std::nullopt;
      std::printf("updated baseline %s\n", paths[i].c_str());
    } else {
      worse += c.count(Change::worse);
    }
  }
  return worse;
}

}  // namespace wsprobe::harness
