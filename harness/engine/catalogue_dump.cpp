#include "engine/catalogue.hpp"

// The catalogue as canonical JSON (`wsprobe cases --json`, the pytest driver, the snapshot test).
#include <nlohmann/json.hpp>

namespace wsprobe::harness {
namespace {

using nlohmann::json;

// Payloads up to 1 KiB as hex; larger ones (the 16 MiB limit cases) as size and digest.
json bytes_json(const Payload& bytes) {
  if (bytes.size() <= 1024) return hex_of(bytes.bytes());
  return json{{"size", bytes.size()}, {"sha256", sha256_hex(bytes)}};
}

json step_json(const Step& s) {
  static const char* kinds[] = {"frame", "raw", "wait", "batch"};
  json j{{"kind", kinds[static_cast<int>(s.kind)]}};
  switch (s.kind) {
    case Step::Kind::frame:
      j["opcode"] = s.header.opcode;
      j["fin"] = s.header.fin;
      j["rsv"] = s.header.rsv;
      j["mask"] = s.header.masked;
      j["payload"] = bytes_json(s.payload);
      j["length_form"] = static_cast<int>(s.length_form);
      j["close"] = s.close;
      break;
    case Step::Kind::raw:
      j["raw"] = bytes_json(s.raw);
      break;
    case Step::Kind::wait:
      j["wait"] = s.wait;
      j["tag"] = s.tag;
      break;
    case Step::Kind::batch:
      j["batch"] = json::array();
      for (const auto& b : s.batch)
        j["batch"].push_back(step_json(b));
      break;
  }
  j["chop"] = s.chop;
  j["frame_wise"] = s.frame_wise;
  j["fragment"] = s.fragment;
  j["parts"] = s.parts;
  j["pause"] = s.pause;
  j["tags"] = s.tags;
  j["with_handshake"] = s.with_handshake;
  if (s.await != 0) j["await"] = s.await;  // only when set: older cases keep their digests
  return j;
}

json events_json(const std::vector<Expected>& events) {
  static const char* kinds[] = {"text", "binary", "ping", "pong", "timeout"};
  json out = json::array();
  for (const auto& e : events) {
    const char* k = kinds[static_cast<int>(e.kind)];
    out.push_back(e.kind == Expected::Kind::timeout ? json{{k, e.tag}}
                                                    : json{{k, bytes_json(e.payload)}});
  }
  return out;
}

json case_json(const Case& c) {
  json j{{"id", c.id},
         {"area", c.area},
         {"file", c.file},
         {"rfc", c.rfc},
         {"rfc_text", c.rfc_text},
         {"description", c.description},
         {"expectation", c.expectation},
         {"timeout", c.timeout},
         {"requirement", std::string(to_string(c.requirement))},
         {"informational", c.informational},
         {"slow", c.slow}};
  j["roles"] = json::array();
  if (c.for_server) j["roles"].push_back("server");
  if (c.for_client) j["roles"].push_back("client");
  j["steps"] = json::array();
  for (const auto& s : c.steps)
    j["steps"].push_back(step_json(s));
  j["expect"] = {{"ok", events_json(c.ok)}};
  if (c.non_strict) j["expect"]["non_strict"] = events_json(*c.non_strict);
  j["close"] = {{"closed_by_me", c.close.closed_by_me},
                {"codes", c.close.codes},
                {"require_clean", c.close.require_clean},
                {"wrong_endpoint_fatal", c.close.wrong_endpoint_fatal},
                {"wrong_code_fails", c.close.wrong_code_fails},
                {"fc1000", c.close.fc1000}};
  if (c.close.linger > 0) j["close"]["linger"] = c.close.linger;  // client cases only
  if (c.handshake) {
    const auto& h = *c.handshake;
    j["handshake"] = {{"method", h.method},
                      {"version", h.version},
                      {"remove", h.remove},
                      {"set", h.set},
                      {"add", h.add},
                      {"expect_status", h.expect_status},
                      {"expect_header", h.expect_header}};
  }
  if (c.handshake_response) {
    const auto& h = *c.handshake_response;
    j["handshake_response"] = {{"status", h.status}, {"reason", h.reason}, {"version", h.version},
                               {"remove", h.remove}, {"set", h.set},       {"add", h.add},
                               {"chop", h.chop},     {"pause", h.pause},   {"refuse", h.refuse}};
  }
  return j;
}

}  // namespace

json dump_cases(const Catalogue& catalogue) {
  json out{{"areas", catalogue.area_titles}, {"cases", json::array()}};
  for (const auto& c : catalogue.cases)
    out["cases"].push_back(case_json(c));
  return out;
}

}  // namespace wsprobe::harness
