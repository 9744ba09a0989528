#include "engine/catalogue.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "engine/embedded_catalogue.hpp"

namespace wsprobe::harness {
namespace {

using nlohmann::json;

// Thrown inside this file only; load_catalogue turns it into an error message.
struct CaseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void only_keys(const json& j, std::initializer_list<const char*> keys, const std::string& where) {
  const std::set<std::string> allowed(keys.begin(), keys.end());
  for (const auto& [k, v] : j.items()) {
    if (allowed.count(k) == 0) throw CaseError(where + ": unknown field '" + k + "'");
  }
}

std::vector<uint8_t> from_hex(const std::string& hex, const std::string& where) {
  if (hex.size() % 2 != 0) throw CaseError(where + ": odd number of hex digits");
  std::vector<uint8_t> out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

uint64_t count_of(const json& c, const CatalogueOptions& o, const std::string& where) {
  if (c.is_number_unsigned()) return c.get<uint64_t>();
  if (!c.is_string()) throw CaseError(where + ": count must be a number or a limit expression");
  // "limit", "limit+1", "limit/2", "limit/2+1": sizes relative to the server's message limit.
  static const std::regex expr(R"(limit(/2)?(\+1)?)");
  std::smatch m;
  const std::string s = c.get<std::string>();
  if (!std::regex_match(s, m, expr)) throw CaseError(where + ": bad count expression '" + s + "'");
  uint64_t n = o.limit;
  if (m[1].matched) n /= 2;
  if (m[2].matched) n += 1;
  return n;
}

std::vector<uint8_t> payload_of(const json& p, const CatalogueOptions& o,
                                const std::string& where) {
  if (p.is_string()) {
    const auto s = p.get<std::string>();
    return {s.begin(), s.end()};
  }
  if (!p.is_object()) throw CaseError(where + ": payload must be a string or an object");
  only_keys(p, {"hex", "repeat", "repeat_hex", "count"}, where + " payload");
  if (p.contains("hex")) return from_hex(p["hex"].get<std::string>(), where);
  std::vector<uint8_t> unit;
  if (p.contains("repeat")) {
    const auto s = p["repeat"].get<std::string>();
    unit.assign(s.begin(), s.end());
  } else if (p.contains("repeat_hex")) {
    unit = from_hex(p["repeat_hex"].get<std::string>(), where);
  } else {
    throw CaseError(where + ": payload object needs hex, repeat or repeat_hex");
  }
  const uint64_t n = count_of(p.at("count"), o, where);
  if (unit.empty()) return {};
  // Doubling copies: a 16 MiB payload costs a few memcpy calls, not 16 million inserts.
  std::vector<uint8_t> out(static_cast<size_t>(n * unit.size()));
  if (out.empty()) return out;
  std::copy(unit.begin(), unit.end(), out.begin());
  for (size_t have = unit.size(); have < out.size(); have *= 2) {
    std::copy_n(out.begin(), std::min(have, out.size() - have),
                out.begin() + static_cast<long>(have));
  }
  return out;
}

uint8_t opcode_of(const json& j, const std::string& where) {
  if (j.is_number_unsigned() && j.get<unsigned>() < 16)
    return static_cast<uint8_t>(j.get<unsigned>());
  static const std::map<std::string, uint8_t> names{{"continuation", 0}, {"text", 1}, {"binary", 2},
                                                    {"close", 8},        {"ping", 9}, {"pong", 10}};
  if (j.is_string() && names.count(j.get<std::string>()) != 0)
    return names.at(j.get<std::string>());
  throw CaseError(where + ": unknown opcode " + j.dump());
}

Step frame_step(const json& f, const CatalogueOptions& o, const std::string& where) {
  only_keys(f, {"opcode", "payload", "fin", "rsv", "mask", "length_form"}, where);
  Step s;
  s.kind = Step::Kind::frame;
  s.header.opcode = opcode_of(f.at("opcode"), where);
  s.header.fin = f.value("fin", true);
  s.header.rsv = static_cast<uint8_t>(f.value("rsv", 0) & 7);
  s.header.masked = f.value("mask", true);
  if (f.contains("payload")) s.payload = payload_of(f["payload"], o, where);
  const std::string form = f.value("length_form", "minimal");
  if (form == "16") {
    s.length_form = codec::LengthForm::extended16;
  } else if (form == "64") {
    s.length_form = codec::LengthForm::extended64;
  } else if (form != "minimal") {
    throw CaseError(where + ": length_form must be minimal, 16 or 64");
  }
  return s;
}

Step step_of(const json& j, const CatalogueOptions& o, const std::string& where) {
  only_keys(j,
            {"send", "raw", "wait", "tag", "close", "batch", "chop", "parts", "pause", "tags",
             "fragment", "with_handshake"},
            where);
  Step s;
  if (j.contains("send")) {
    s = frame_step(j["send"], o, where);
  } else if (j.contains("close")) {
    const json& c = j["close"];
    only_keys(c, {"code", "reason", "payload"}, where);
    s.kind = Step::Kind::frame;
    s.header.opcode = 0x8;
    s.header.masked = true;
    s.close = true;
    if (c.contains("payload")) {
      s.payload = payload_of(c["payload"], o, where);
    } else if (c.contains("code")) {
      const auto code = c["code"].get<uint16_t>();
      s.payload = {static_cast<uint8_t>(code >> 8), static_cast<uint8_t>(code & 0xFF)};
      const auto reason = c.value("reason", std::string());
      s.payload.insert(s.payload.end(), reason.begin(), reason.end());
    }
  } else if (j.contains("raw")) {
    s.kind = Step::Kind::raw;
    s.raw = from_hex(j["raw"].get<std::string>(), where);
  } else if (j.contains("wait")) {
    s.kind = Step::Kind::wait;
    s.wait = j["wait"].get<double>();
    s.tag = j.value("tag", std::string());
  } else if (j.contains("batch")) {
    s.kind = Step::Kind::batch;
    for (const auto& f : j["batch"])
      s.batch.push_back(frame_step(f, o, where));
  } else {
    throw CaseError(where + ": a step needs send, close, raw, wait or batch");
  }
  if (j.contains("chop")) {
    if (j["chop"] == "frame") {
      s.frame_wise = true;
    } else {
      s.chop = j["chop"].get<size_t>();
    }
  }
  if (j.contains("parts")) s.parts = j["parts"].get<std::vector<size_t>>();
  s.pause = j.value("pause", 0.0);
  if (j.contains("tags")) s.tags = j["tags"].get<std::vector<std::string>>();
  s.fragment = j.value("fragment", size_t{0});
  s.with_handshake = j.value("with_handshake", false);
  return s;
}

std::vector<Expected> events_of(const json& list, const CatalogueOptions& o,
                                const std::string& where) {
  std::vector<Expected> out;
  static const std::map<std::string, Expected::Kind> kinds{{"text", Expected::Kind::text},
                                                           {"binary", Expected::Kind::binary},
                                                           {"ping", Expected::Kind::ping},
                                                           {"pong", Expected::Kind::pong}};
  for (const auto& e : list) {
    if (e.size() != 1) throw CaseError(where + ": an expected event has exactly one kind");
    // begin() of the object itself: items() is a temporary whose iterator must not outlive it.
    const std::string k = e.begin().key();
    const json& v = e.begin().value();
    if (k == "timeout") {
      out.push_back({Expected::Kind::timeout, {}, v.get<std::string>()});
    } else if (kinds.count(k) != 0) {
      out.push_back({kinds.at(k), payload_of(v, o, where), {}});
    } else {
      throw CaseError(where + ": unknown expected event '" + k + "'");
    }
  }
  return out;
}

CloseExpectation close_of(const json& c, const std::string& where) {
  CloseExpectation x;
  if (c.is_string()) {
    const auto s = c.get<std::string>();
    if (s == "fc1000") {
      x.fc1000 = true;
      return x;
    }
    if (s.starts_with("fail:")) {
      x.closed_by_me = false;
      x.require_clean = false;
      x.codes.clear();
      std::stringstream list(s.substr(5));
      for (std::string code; std::getline(list, code, ',');) {
        x.codes.push_back(static_cast<uint16_t>(std::stoi(code)));
      }
      // Autobahn's closedByWrongEndpointIsFatal: a 1007 case passes only if the peer detected it.
      x.wrong_endpoint_fatal = std::find(x.codes.begin(), x.codes.end(), 1007) != x.codes.end();
      return x;
    }
    throw CaseError(where + ": close must be fc1000, fail:CODES or an object");
  }
  only_keys(c, {"by", "codes", "clean"}, where + " close");
  x.closed_by_me = c.at("by").get<std::string>() == "us";
  x.codes = c.at("codes").get<std::vector<uint16_t>>();
  x.require_clean = c.value("clean", true);
  return x;
}

Case case_of(const json& j, const std::string& area, const CatalogueOptions& o,
             const std::string& file) {
  const std::string id = j.at("id").get<std::string>();
  const std::string where = file + ": case " + id;
  only_keys(j,
            {"id", "rfc", "description", "expectation", "steps", "expect", "close", "timeout",
             "informational", "handshake"},
            where);
  Case c;
  c.id = id;
  c.area = area;
  c.rfc = j.at("rfc").get<std::string>();
  c.description = j.at("description").get<std::string>();
  c.expectation = j.at("expectation").get<std::string>();
  c.timeout = j.value("timeout", 1.0);
  c.informational = j.value("informational", false);
  if (j.contains("steps")) {
    for (const auto& s : j["steps"])
      c.steps.push_back(step_of(s, o, where));
  }
  if (j.contains("expect")) {
    only_keys(j["expect"], {"ok", "non_strict"}, where);
    c.ok = events_of(j["expect"].at("ok"), o, where);
    if (j["expect"].contains("non_strict"))
      c.non_strict = events_of(j["expect"]["non_strict"], o, where);
  }
  if (j.contains("close")) c.close = close_of(j["close"], where);
  if (j.contains("handshake")) {
    const json& h = j["handshake"];
    only_keys(h, {"method", "version", "remove", "set", "add", "expect_status", "expect_header"},
              where);
    HandshakeSpec spec;
    spec.method = h.value("method", spec.method);
    spec.version = h.value("version", spec.version);
    if (h.contains("remove")) spec.remove = h["remove"].get<std::vector<std::string>>();
    if (h.contains("set")) {
      for (const auto& [k, v] : h["set"].items())
        spec.set.emplace_back(k, v.get<std::string>());
    }
    if (h.contains("add")) {
      for (const auto& kv : h["add"])
        spec.add.emplace_back(kv.at(0).get<std::string>(), kv.at(1).get<std::string>());
    }
    if (h.contains("expect_status"))
      spec.expect_status = h["expect_status"].get<std::vector<int>>();
    if (h.contains("expect_header")) {
      for (const auto& [k, v] : h["expect_header"].items())
        spec.expect_header.emplace_back(k, v.get<std::string>());
    }
    c.handshake = std::move(spec);
  }
  return c;
}

void load_file(const std::string& name, std::string_view text, const CatalogueOptions& o,
               Catalogue& out) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw CaseError(name + ": " + e.what());
  }
  const std::string area = doc.at("area").get<std::string>();
  out.area_titles[area] = doc.value("title", area);
  for (const auto& c : doc.at("cases"))
    out.cases.push_back(case_of(c, area, o, name));
}

std::vector<long> id_parts(const std::string& id) {
  std::vector<long> parts;
  std::stringstream s(id);
  for (std::string p; std::getline(s, p, '.');)
    parts.push_back(std::strtol(p.c_str(), nullptr, 10));
  return parts;
}

std::regex glob_regex(const std::string& pattern) {
  std::string re;
  for (char ch : pattern) {
    if (ch == '*') {
      re += ".*";
    } else if (std::string_view(".+?()[]{}|^$\\").find(ch) != std::string_view::npos) {
      re += '\\';
      re += ch;
    } else {
      re += ch;
    }
  }
  return std::regex(re);
}

bool matches(const std::string& id, const std::string& pattern) {
  if (pattern.find('*') == std::string::npos) return id == pattern;
  return std::regex_search(id, glob_regex(pattern), std::regex_constants::match_continuous);
}

}  // namespace

bool id_less(const std::string& a, const std::string& b) {
  return id_parts(a) < id_parts(b);
}

std::optional<Catalogue> load_catalogue(const std::string& dir, const CatalogueOptions& options,
                                        std::string& error) {
  Catalogue cat;
  try {
    if (dir.empty()) {
      for (const auto& [name, text] : embedded_catalogue())
        load_file(std::string(name), text, options, cat);
    } else {
      namespace fs = std::filesystem;
      if (!fs::is_directory(dir)) throw CaseError("catalogue directory not found: " + dir);
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().extension() == ".json") files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
      if (files.empty()) throw CaseError("no *.json case files in " + dir);
      for (const auto& f : files) {
        std::ifstream in(f);
        std::stringstream text;
        text << in.rdbuf();
        load_file(f.filename().string(), text.str(), options, cat);
      }
    }
  } catch (const std::exception& e) {  // CaseError and json's type/out_of_range errors
    error = e.what();
    return std::nullopt;
  }
  std::sort(cat.cases.begin(), cat.cases.end(),
            [](const Case& a, const Case& b) { return id_less(a.id, b.id); });
  for (size_t i = 1; i < cat.cases.size(); ++i) {
    if (cat.cases[i].id == cat.cases[i - 1].id) {
      error = "duplicate case id " + cat.cases[i].id;
      return std::nullopt;
    }
  }
  return cat;
}

std::vector<const Case*> select_cases(const Catalogue& catalogue,
                                      const std::vector<std::string>& include,
                                      const std::vector<std::string>& exclude) {
  std::vector<const Case*> out;
  for (const auto& c : catalogue.cases) {
    const bool in = include.empty() || std::any_of(include.begin(), include.end(),
                                                   [&](const auto& p) { return matches(c.id, p); });
    const bool out_ = std::any_of(exclude.begin(), exclude.end(),
                                  [&](const auto& p) { return matches(c.id, p); });
    if (in && !out_) out.push_back(&c);
  }
  return out;
}

}  // namespace wsprobe::harness
