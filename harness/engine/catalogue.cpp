#include "engine/catalogue.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "engine/case_generator.hpp"
#include "engine/case_specs.hpp"
#include "engine/data_set.hpp"
#include "engine/embedded_catalogue.hpp"

namespace wsprobe::harness {
namespace {

using catalogue_detail::CaseError;
using catalogue_detail::deflate_of;
using catalogue_detail::expand;
using catalogue_detail::handshake_of;
using catalogue_detail::handshake_response_of;
using catalogue_detail::only_keys;
using nlohmann::json;

std::vector<uint8_t> from_hex(const std::string& hex, const std::string& where) {
  if (hex.size() % 2 != 0) throw CaseError(where + ": odd number of hex digits");
  std::vector<uint8_t> out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// A count: a number, or a size relative to the peer's message limit, written as structure:
// {"limit": 1, "divide": 2, "add": 1} is limit * 1 / 2 + 1 (RFC 6455 10.4's limit cases).
uint64_t count_of(const json& c, const CatalogueOptions& o, const std::string& where) {
  if (c.is_number_unsigned()) return c.get<uint64_t>();
  if (!c.is_object()) throw CaseError(where + ": a count is a number or {\"limit\": ...}");
  only_keys(c, {"limit", "divide", "add"}, where + " count");
  const auto times = c.at("limit").get<uint64_t>();
  const auto divide = c.value("divide", uint64_t{1});
  if (divide == 0) throw CaseError(where + ": count divides by 0");
  return o.limit * times / divide + c.value("add", uint64_t{0});
}

// A repeat longer than this is generated as it is sent, never held by the catalogue.
constexpr uint64_t generate_above = uint64_t{64} << 10;

std::vector<uint8_t> data_set_of(const json& p, const CatalogueOptions& o,
                                 const std::string& where) {
  try {
    return data_set(p.at("data").get<std::string>(),
                    static_cast<size_t>(count_of(p.at("size"), o, where)),
                    p.value("seed", uint64_t{0}));
  } catch (const std::invalid_argument& e) {
    throw CaseError(where + ": " + e.what());
  }
}

// The data set as an endless cycle, made once per process for each name, size and seed (a data
// set is a function of them): the 216 cases of 12.x/13.x share five data sets.
Payload data_set_cycle(const json& p, const CatalogueOptions& o, const std::string& where) {
  static std::mutex mu;
  static std::map<std::tuple<std::string, uint64_t, uint64_t>, Payload> made;
  const auto key = std::make_tuple(p.at("data").get<std::string>(),
                                   count_of(p.at("size"), o, where), p.value("seed", uint64_t{0}));
  const std::lock_guard<std::mutex> lock(mu);
  auto it = made.find(key);
  if (it == made.end())
    it = made.emplace(key, Payload::repeated(data_set_of(p, o, where), SIZE_MAX / 2)).first;
  return it->second;
}

// {"data": NAME, "size": N, "window": W}: copy k of a repeated step or event is the k-th window
// of W bytes of the data set (PayloadWindows).
PayloadWindows windows_of(const json& p, const CatalogueOptions& o, const std::string& where) {
  PayloadWindows w;
  w.window = static_cast<size_t>(count_of(p.at("window"), o, where));
  w.cycle = data_set_cycle(p, o, where);
  w.size = w.cycle.unit().size();
  if (w.window == 0 || w.size == 0) throw CaseError(where + ": an empty payload window");
  return w;
}

// The payload object of a step or event that takes windows, or nullptr.
const json* windowed(const json& p) {
  return p.is_object() && p.contains("window") ? &p : nullptr;
}

Payload payload_of(const json& p, const CatalogueOptions& o, const std::string& where) {
  if (p.is_string()) {
    const auto s = p.get<std::string>();
    return std::vector<uint8_t>(s.begin(), s.end());
  }
  if (!p.is_object()) throw CaseError(where + ": payload must be a string or an object");
  only_keys(p, {"hex", "repeat", "repeat_hex", "count", "data", "size", "seed", "window"},
            where + " payload");
  if (p.contains("window") && !p.contains("data"))
    throw CaseError(where + ": a payload window is a window of a data set (\"data\")");
  if (p.contains("hex")) return from_hex(p["hex"].get<std::string>(), where);
  if (p.contains("window")) return windows_of(p, o, where).at(0);
  if (p.contains("data")) {
    return data_set_of(p, o, where);
  }
  std::vector<uint8_t> unit;
  if (p.contains("repeat")) {
    const auto s = p["repeat"].get<std::string>();
    unit.assign(s.begin(), s.end());
  } else if (p.contains("repeat_hex")) {
    unit = from_hex(p["repeat_hex"].get<std::string>(), where);
  } else {
    throw CaseError(where + ": payload object needs hex, repeat, repeat_hex or data");
  }
  // "count" copies of the unit, or exactly "size" bytes with the last copy cut (Autobahn's 9.x
  // sends "BAsd7&jh23" repeated to 64 KiB).
  if (p.contains("count") == p.contains("size"))
    throw CaseError(where + ": a repeat payload needs count or size (one of them)");
  if (unit.empty()) return {};
  const uint64_t size = p.contains("size") ? count_of(p["size"], o, where)
                                           : count_of(p["count"], o, where) * unit.size();
  if (size > generate_above) return Payload::repeated(std::move(unit), size);
  return Payload::repeated(std::move(unit), size).bytes();
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
  only_keys(f, {"opcode", "payload", "fin", "rsv", "mask", "length_form", "compress", "length"},
            where);
  Step s;
  s.kind = Step::Kind::frame;
  s.header.opcode = opcode_of(f.at("opcode"), where);
  s.header.fin = f.value("fin", true);
  s.header.rsv = static_cast<uint8_t>(f.value("rsv", 0) & 7);
  s.header.masked = f.value("mask", true);
  s.compress = f.value("compress", false);
  if (f.contains("payload")) s.payload = payload_of(f["payload"], o, where);
  if (f.contains("length")) s.declared = count_of(f["length"], o, where);  // RFC 6455 5.2's claim
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

// How many times a step or an expected event stands for itself ("repeat": N, default 1).
size_t repeat_of(const json& j, const std::string& where) {
  if (!j.contains("repeat")) return 1;
  if (!j["repeat"].is_number_unsigned() || j["repeat"].get<size_t>() == 0)
    throw CaseError(where + ": repeat must be a positive number");
  return j["repeat"].get<size_t>();
}

Step step_of(const json& j, const CatalogueOptions& o, const std::string& where) {
  only_keys(j,
            {"send", "raw", "wait", "tag", "close", "batch", "chop", "parts", "pause", "tags",
             "fragment", "with_handshake", "repeat", "await", "unread", "gather", "until_close"},
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
      std::vector<uint8_t> bytes{static_cast<uint8_t>(code >> 8),
                                 static_cast<uint8_t>(code & 0xFF)};
      const auto reason = c.value("reason", std::string());
      bytes.insert(bytes.end(), reason.begin(), reason.end());
      s.payload = std::move(bytes);
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
    for (const auto& f : j["batch"]) {
      s.batch.push_back(frame_step(f, o, where));
      // A close frame in a batch is our close: data behind it in the same write tests RFC 6455
      // 1.4, 5.5.1 (nothing is processed after a close).
      s.batch.back().close = s.batch.back().header.opcode == 0x8 && s.batch.back().header.fin;
    }
  } else {
    throw CaseError(where + ": a step needs send, close, raw, wait or batch");
  }
  if (j.contains("chop")) {
    if (j["chop"] == "frame") {
      s.frame_wise = true;
    } else if (j["chop"].is_array()) {  // sizes in turn, cycling
      s.chop_cycle = j["chop"].get<std::vector<size_t>>();
      if (s.chop_cycle.empty() ||
          std::find(s.chop_cycle.begin(), s.chop_cycle.end(), 0) != s.chop_cycle.end())
        throw CaseError(where + ": a chop list holds sizes above 0");
    } else {
      s.chop = j["chop"].get<size_t>();
    }
  }
  if (j.contains("parts")) s.parts = j["parts"].get<std::vector<size_t>>();
  s.pause = j.value("pause", 0.0);
  if (j.contains("tags")) s.tags = j["tags"].get<std::vector<std::string>>();
  s.fragment = j.value("fragment", size_t{0});
  s.with_handshake = j.value("with_handshake", false);
  s.await = j.value("await", size_t{0});
  s.unread = j.value("unread", 0.0);
  s.gather = j.value("gather", size_t{0});
  s.until_close = j.value("until_close", 0.0);
  if (s.until_close < 0 ||
      (s.until_close > 0 && (s.kind != Step::Kind::frame || s.fragment != 0 || s.compress)))
    throw CaseError(where + ": until_close is seconds, on one uncompressed frame");
  if (s.declared && (s.compress || s.fragment != 0 || s.kind != Step::Kind::frame))
    throw CaseError(where + ": a claimed length goes on one uncompressed frame, not fragmented");
  // Unfragmented, a message is one frame and one write whatever `gather` says.
  if (s.gather != 0 && s.kind != Step::Kind::frame)
    throw CaseError(where + ": gather goes on a send of a message (with fragment)");
  if (s.with_handshake && s.compress) {
    throw CaseError(where +
                    ": a frame sent with the handshake cannot be compressed (nothing is "
                    "agreed yet)");
  }
  return s;
}

Expectations events_of(const json& list, const CatalogueOptions& o, const std::string& where) {
  Expectations out;
  static const std::map<std::string, Expected::Kind> kinds{{"text", Expected::Kind::text},
                                                           {"binary", Expected::Kind::binary},
                                                           {"ping", Expected::Kind::ping},
                                                           {"pong", Expected::Kind::pong},
                                                           {"timeout", Expected::Kind::timeout}};
  for (const auto& e : list) {
    std::string kind;
    for (const auto& [k, v] : e.items()) {
      if (k == "repeat") continue;
      if (!kind.empty() || kinds.count(k) == 0) {
        throw CaseError(where + ": an expected event has exactly one kind of " +
                        "text, binary, ping, pong or timeout (got '" + k + "')");
      }
      kind = k;
    }
    if (kind.empty()) throw CaseError(where + ": an expected event needs a kind");
    Expected x{kinds.at(kind), {}, {}};
    if (x.kind == Expected::Kind::timeout) {
      x.tag = e[kind].get<std::string>();
    } else if (const json* w = windowed(e[kind])) {
      out.add_windows(std::move(x),
                      std::make_shared<const PayloadWindows>(windows_of(*w, o, where)),
                      repeat_of(e, where));
      continue;
    } else {
      x.payload = payload_of(e[kind], o, where);
    }
    out.add(std::move(x), repeat_of(e, where));
  }
  return out;
}

// {"by": "tester", "after": "expected"}: the tester closes with 1000 once the expected events
// arrived. Otherwise who starts the closing handshake, the codes accepted from the peer, whether
// it must complete cleanly, and the two verdict rules Autobahn attaches to some cases.
CloseExpectation close_of(const json& c, const CatalogueOptions& o, const std::string& where) {
  if (!c.is_object()) throw CaseError(where + ": close must be an object");
  only_keys(c,
            {"by", "after", "codes", "clean", "wrong_endpoint_fatal", "wrong_code_fails", "linger",
             "drop", "after_close_fails", "within_bytes"},
            where + " close");
  CloseExpectation x;
  const std::string by = c.at("by").get<std::string>();
  if (by != "tester" && by != "peer") throw CaseError(where + ": close.by is tester or peer");
  x.closed_by_me = by == "tester";
  if (c.contains("after")) {
    if (c["after"] != "expected" || !x.closed_by_me || c.contains("codes"))
      throw CaseError(where + ": close.after is \"expected\", with by tester and no codes");
    x.fc1000 = true;
  } else {
    x.codes = c.at("codes").get<std::vector<uint16_t>>();
  }
  x.require_clean = c.value("clean", true);
  x.wrong_endpoint_fatal = c.value("wrong_endpoint_fatal", false);
  x.wrong_code_fails = c.value("wrong_code_fails", false);
  x.linger = c.value("linger", 0.0);
  x.drop = c.value("drop", false);  // the server goes away without a close frame (closing.cpp)
  x.after_close_fails = c.value("after_close_fails", false);  // RFC 6455 5.5.1 (case_runner.cpp)
  if (c.contains("within_bytes")) x.within_bytes = count_of(c["within_bytes"], o, where);
  if (x.drop && (!x.fc1000 || x.require_clean))
    throw CaseError(where + ": close.drop needs after \"expected\" and clean false");
  return x;
}

Requirement requirement_of(const json& j, const std::string& where) {
  static const std::map<std::string, Requirement> names{
      {"MUST", Requirement::must},
      {"SHOULD", Requirement::should},
      {"MAY", Requirement::may},
      {"informational", Requirement::informational}};
  const std::string r = j.get<std::string>();
  if (names.count(r) == 0)
    throw CaseError(where + ": requirement is MUST, SHOULD, MAY or informational");
  return names.at(r);
}

// A repeated step is held once, standing for its copies (Step::copies): 9.7/9.8's 1000 round
// trips and the robustness floods of 10,000 frames were 23 MB of every run's memory as copies.
void add_steps(const json& j, const CatalogueOptions& o, const std::string& where,
               std::vector<Step>& out) {
  Step step = step_of(j, o, where);
  const size_t n = repeat_of(j, where);
  const json* w = j.contains("send") && j["send"].contains("payload")
                      ? windowed(j["send"]["payload"])
                      : nullptr;
  if (w != nullptr) {
    if (step.with_handshake && n > 1)
      throw CaseError(where + ": a repeated windowed step cannot go with the handshake");
    step.windows = std::make_shared<const PayloadWindows>(windows_of(*w, o, where));
  } else if (step.with_handshake && n > 1) {  // the first copy with the handshake, the rest after
    Step rest = step;
    rest.with_handshake = false;
    rest.copies = n - 1;
    out.push_back(std::move(step));
    out.push_back(std::move(rest));
    return;
  }
  step.copies = n;
  out.push_back(std::move(step));
}

Case case_of(const json& j, const std::string& area, const CatalogueOptions& o,
             const std::string& where) {
  only_keys(
      j,
      {"id", "rfc", "rfc_text", "requirement", "roles", "slow", "description", "expectation",
       "steps", "expect", "close", "timeout", "handshake", "handshake_response", "deflate", "hold"},
      where);
  Case c;
  c.id = j.at("id").get<std::string>();
  c.area = area;
  c.rfc = j.at("rfc").get<std::string>();
  c.rfc_text = j.value("rfc_text", std::string());
  c.description = j.at("description").get<std::string>();
  c.expectation = j.at("expectation").get<std::string>();
  c.timeout = j.value("timeout", 1.0);
  if (j.contains("requirement")) c.requirement = requirement_of(j["requirement"], where);
  c.informational = c.requirement == Requirement::informational;
  if (j.contains("roles")) {
    c.for_server = c.for_client = false;
    for (const auto& r : j["roles"]) {
      if (r == "server") {
        c.for_server = true;
      } else if (r == "client") {
        c.for_client = true;
      } else {
        throw CaseError(where + ": a role is server or client, not " + r.dump());
      }
    }
  }
  c.slow = j.value("slow", false);
  if (j.contains("steps")) {
    for (const auto& s : j["steps"])
      add_steps(s, o, where, c.steps);
  }
  if (j.contains("expect")) {
    only_keys(j["expect"], {"ok", "non_strict", "ignore"}, where + " expect");
    c.ok = events_of(j["expect"].at("ok"), o, where);
    if (j["expect"].contains("non_strict"))
      c.non_strict = events_of(j["expect"]["non_strict"], o, where);
    for (const auto& kind : j["expect"].value("ignore", json::array())) {
      if (kind != "ping" && kind != "pong")
        throw CaseError(where + ": expect.ignore takes \"ping\" or \"pong\", not " + kind.dump());
      const auto k = kind == "ping" ? Expected::Kind::ping : Expected::Kind::pong;
      c.ok.ignore(k);
      if (c.non_strict) c.non_strict->ignore(k);
    }
  }
  if (j.contains("close")) c.close = close_of(j["close"], o, where);
  if (j.contains("handshake")) c.handshake = handshake_of(j["handshake"], where);
  if (j.contains("hold")) c.hold = catalogue_detail::hold_of(j["hold"], where);
  if (j.contains("handshake_response")) {
    c.handshake_response = handshake_response_of(j["handshake_response"], where);
    if (c.for_server)
      throw CaseError(where + ": a handshake_response case tests clients: roles [\"client\"]");
  }
  if (j.contains("deflate")) {
    c.deflate = deflate_of(j["deflate"], where);
    // Tested servers answer the tester's offers; tested clients make their own (accept).
    if (c.for_server && c.deflate->offers.empty())
      throw CaseError(where + ": a deflate case that tests servers makes an offer (\"offer\")");
    if (c.for_client && !c.deflate->offers.empty() && !c.for_server)
      throw CaseError(where + ": a deflate case that tests clients only makes no offer");
  }
  const auto compressed = [](const Step& s) {
    return s.compress ||
           std::any_of(s.batch.begin(), s.batch.end(), [](const Step& f) { return f.compress; });
  };
  if (!c.deflate && std::any_of(c.steps.begin(), c.steps.end(), compressed))
    throw CaseError(where + ": a compressed step needs a deflate offer (\"deflate\")");
  // Declined, the steps run without the extension: none of them can be compressed.
  if (c.deflate && c.deflate->decline_ok &&
      std::any_of(c.steps.begin(), c.steps.end(), compressed)) {
    throw CaseError(where +
                    ": a case that may be declined (\"declined\": \"ok\") sends no "
                    "compressed step");
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
  std::string area;
  try {
    only_keys(doc, {"area", "title", "cases"}, name);
    area = doc.at("area").get<std::string>();
    // The area is a pytest marker (-m AREA): a lower-case identifier.
    static const std::regex marker("[a-z][a-z0-9_]*");
    if (!std::regex_match(area, marker))
      throw CaseError(name + ": area '" + area + "' is not a lower-case identifier");
    out.area_titles[area] = doc.value("title", area);
    (void)doc.at("cases");  // required
  } catch (const json::exception& e) {
    throw CaseError(name + ": " + e.what());
  }
  std::vector<json> cases;
  for (const auto& c : doc["cases"]) {
    if (!c.contains("generate")) {
      cases.push_back(c);
      continue;
    }
    only_keys(c, {"generate"}, name + ": generator");
    try {
      for (auto& g : expand(c["generate"], name))
        cases.push_back(std::move(g));
    } catch (const json::exception& e) {
      throw CaseError(name + ": generator: " + e.what());
    }
  }
  for (const auto& c : cases) {
    const json id = c.is_object() && c.contains("id") ? c["id"] : json("without id");
    const std::string where =
        name + ": case " + (id.is_string() ? id.get<std::string>() : id.dump());
    try {
      out.cases.push_back(case_of(c, area, o, where));
    } catch (const json::exception& e) {
      throw CaseError(where + ": " + e.what());
    }
    out.cases.back().file = name;
  }
}

}  // namespace

std::string_view to_string(Requirement r) {
  switch (r) {
    case Requirement::must:
      return "MUST";
    case Requirement::should:
      return "SHOULD";
    case Requirement::may:
      return "MAY";
    case Requirement::informational:
      break;
  }
  return "informational";
}

Step Step::copy(size_t k) const {
  Step s = *this;
  s.copies = 1;
  s.windows = nullptr;
  if (windows) s.payload = windows->at(k);
  return s;
}

std::string rfc_reference(const Case& c) {
  return c.rfc.starts_with("RFC ") ? c.rfc : "RFC 6455 " + c.rfc;
}

std::optional<Catalogue> load_catalogue_texts(
    const std::vector<std::pair<std::string, std::string>>& files, const CatalogueOptions& options,
    std::string& error) {
  Catalogue cat;
  try {
    for (const auto& [name, text] : files)
      load_file(name, text, options, cat);
  } catch (const std::exception& e) {  // CaseError and json's type/out_of_range errors
    error = e.what();
    return std::nullopt;
  }
  std::stable_sort(cat.cases.begin(), cat.cases.end(),
                   [](const Case& a, const Case& b) { return id_less(a.id, b.id); });
  for (size_t i = 1; i < cat.cases.size(); ++i) {
    const Case& a = cat.cases[i - 1];
    const Case& b = cat.cases[i];
    if (a.id == b.id) {
      error = "duplicate case id " + b.id + " in " + a.file + " and " + b.file;
      return std::nullopt;
    }
  }
  return cat;
}

std::optional<Catalogue> load_catalogue(const CatalogueOptions& options, std::string& error) {
  std::vector<std::pair<std::string, std::string>> files;
  if (options.builtin) {
    for (const auto& [name, text] : embedded_catalogue())
      files.emplace_back("built-in " + std::string(name), std::string(text));
  }
  namespace fs = std::filesystem;
  for (const auto& dir : options.dirs) {
    if (!fs::is_directory(dir)) {
      error = "catalogue directory not found: " + dir;
      return std::nullopt;
    }
    std::vector<fs::path> paths;
    for (const auto& e : fs::directory_iterator(dir)) {
      // The JSON Schema beside the case files describes them; it is not one.
      const std::string file = e.path().filename().string();
      if (e.path().extension() == ".json" && !file.ends_with(".schema.json"))
        paths.push_back(e.path());
    }
    if (paths.empty()) {
      error = "no *.json case files in " + dir;
      return std::nullopt;
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& f : paths) {
      std::ifstream in(f);
      std::stringstream text;
      text << in.rdbuf();
      files.emplace_back(f.string(), text.str());
    }
  }
  if (files.empty()) {
    error = "no case files: give a catalogue directory";
    return std::nullopt;
  }
  return load_catalogue_texts(files, options, error);
}

}  // namespace wsprobe::harness
