#include "engine/catalogue.hpp"

// The catalogue as canonical JSON (`wsprobe cases --json`, the pytest driver, the snapshot test).
#include <map>
#include <nlohmann/json.hpp>

namespace wsprobe::harness {
namespace {

using nlohmann::json;

// A window into a data set (RFC 7692 cases: 1000 windows of a 1 MB set per case) as the data
// set's digest and the window's place, so the dump never hashes gigabytes; the digest is computed
// once per data set.
// The data sets' digests during one dump_cases call (the catalogue, and its bytes, live
// throughout it).
thread_local std::map<const uint8_t*, std::string>* digests = nullptr;

json window_json(const Payload& bytes) {
  const auto unit = bytes.unit();
  std::string unused;
  auto& digest = digests != nullptr ? (*digests)[unit.data()] : unused;
  if (digest.empty()) digest = sha256_hex(Payload(std::vector<uint8_t>(unit.begin(), unit.end())));
  return json{{"size", bytes.size()}, {"window_of", digest}, {"offset", bytes.phase()}};
}

// Payloads up to 1 KiB as hex; larger ones (the 16 MiB limit cases) as size and digest.
json bytes_json(const Payload& bytes) {
  if (bytes.generated() && bytes.unit().size() > 1024) return window_json(bytes);
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
  if (s.compress) j["compress"] = true;
  if (s.copies != 1) j["copies"] = s.copies;
  if (s.unread != 0) j["unread"] = s.unread;
  if (s.gather != 0) j["gather"] = s.gather;  // successive windows, `payload` the first
  if (!s.chop_cycle.empty()) j["chop_cycle"] = s.chop_cycle;
  if (s.until_close != 0) j["until_close"] = s.until_close;
  if (s.declared) j["length"] = *s.declared;
  return j;
}

// Appends `entry` (a step or event whose payload is `payload`, at `key`), or counts it into the
// last entry when both are windows of one data set and it is the window after (Autobahn's 12.x
// send 1000 of them): the dump stays small and says the same.
void push_entry(json& list, json entry, const Payload& payload, const char* key) {
  const bool window = payload.generated() && payload.unit().size() > 1024;
  if (window && !list.empty() && list.back().contains("repeat")) {
    json& last = list.back();
    json a = last;
    json b = entry;
    const auto n = a["repeat"].get<size_t>();
    const auto& lp = last[key];
    const size_t unit = payload.unit().size();
    const size_t next = (lp["offset"].get<size_t>() + n % unit * (payload.size() % unit)) % unit;
    a.erase("repeat");
    a[key].erase("offset");
    b[key].erase("offset");
    if (a == b && next == payload.phase()) {
      last["repeat"] = n + 1;
      return;
    }
  }
  if (window) entry["repeat"] = 1;
  list.push_back(std::move(entry));
}

json events_json(const Expectations& events) {
  static const char* kinds[] = {"text", "binary", "ping", "pong", "timeout"};
  json out = json::array();
  for (size_t i = 0; i < events.size(); ++i) {
    const Expected e = events[i];
    const char* k = kinds[static_cast<int>(e.kind)];
    if (e.kind == Expected::Kind::timeout) {
      out.push_back(json{{k, e.tag}});
    } else {
      push_entry(out, json{{k, bytes_json(e.payload)}}, e.payload, k);
    }
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
    push_entry(j["steps"], step_json(s), s.payload, "payload");
  j["expect"] = {{"ok", events_json(c.ok)}};
  if (c.non_strict) j["expect"]["non_strict"] = events_json(*c.non_strict);
  for (const auto kind : {Expected::Kind::ping, Expected::Kind::pong}) {
    if (c.ok.ignores(kind))
      j["expect"]["ignore"].push_back(kind == Expected::Kind::ping ? "ping" : "pong");
  }
  j["close"] = {{"closed_by_me", c.close.closed_by_me},
                {"codes", c.close.codes},
                {"require_clean", c.close.require_clean},
                {"wrong_endpoint_fatal", c.close.wrong_endpoint_fatal},
                {"wrong_code_fails", c.close.wrong_code_fails},
                {"fc1000", c.close.fc1000}};
  if (c.close.linger > 0) j["close"]["linger"] = c.close.linger;  // client cases only
  if (c.close.drop) j["close"]["drop"] = true;                    // client cases only
  if (c.close.after_close_fails) j["close"]["after_close_fails"] = true;
  if (c.close.within_bytes) j["close"]["within_bytes"] = *c.close.within_bytes;
  if (c.handshake) {
    const auto& h = *c.handshake;
    j["handshake"] = {{"method", h.method},
                      {"version", h.version},
                      {"remove", h.remove},
                      {"set", h.set},
                      {"add", h.add},
                      {"expect_status", h.expect_status},
                      {"expect_header", h.expect_header}};
    if (h.target_size != 0) j["handshake"]["target_size"] = h.target_size;
    if (h.fill_lines != 0)
      j["handshake"]["fill"] = {{"lines", h.fill_lines}, {"size", h.fill_line_size}};
    if (h.dropped != Behavior::failed) j["handshake"]["dropped"] = "non_strict";
  }
  if (c.handshake_response) {
    const auto& h = *c.handshake_response;
    j["handshake_response"] = {{"status", h.status}, {"reason", h.reason}, {"version", h.version},
                               {"remove", h.remove}, {"set", h.set},       {"add", h.add},
                               {"chop", h.chop},     {"pause", h.pause},   {"refuse", h.refuse}};
  }
  if (c.deflate) {
    const auto& d = *c.deflate;
    json expect = json::object();
    if (d.server_no_context_takeover)
      expect["server_no_context_takeover"] = *d.server_no_context_takeover;
    if (d.client_no_context_takeover)
      expect["client_no_context_takeover"] = *d.client_no_context_takeover;
    if (d.server_max_window_bits) expect["server_max_window_bits"] = *d.server_max_window_bits;
    if (d.client_max_window_bits) expect["client_max_window_bits"] = *d.client_max_window_bits;
    if (d.accept_only) expect["accept_only"] = *d.accept_only;
    if (d.decline_ok) expect["declined"] = "ok";
    j["deflate"] = {{"offers", d.offers}, {"expect", expect}};
    if (c.for_client) {  // how the tester answers a client's offers (DeflateAcceptSpec)
      json accept = json::array();
      for (const auto& a : d.accept) {
        accept.push_back(
            {{"server_no_context_takeover", a.config.server_no_context_takeover},
             {"server_max_window_bits", a.config.server_max_window_bits},
             {"client_no_context_takeover", a.config.client_no_context_takeover},
             {"client_max_window_bits", a.config.client_max_window_bits},
             {"answer_client_max_window_bits", a.config.answer_client_max_window_bits},
             {"require_client_no_context_takeover", a.require_client_no_context_takeover},
             {"require_client_max_window_bits", a.require_client_max_window_bits}});
        // Only when set, so that the answers without them dump as before.
        if (a.without_client_no_context_takeover)
          accept.back()["without_client_no_context_takeover"] = true;
        if (a.without_client_max_window_bits)
          accept.back()["without_client_max_window_bits"] = true;
        if (!a.add_parameters.empty()) accept.back()["add_parameters"] = a.add_parameters;
      }
      j["deflate"]["accept"] = accept;
    }
  }
  if (c.hold) j["hold"] = {{"connections", c.hold->connections}, {"dribble", c.hold->dribble}};
  return j;
}

}  // namespace

json dump_cases(const Catalogue& catalogue) {
  json out{{"areas", catalogue.area_titles}, {"cases", json::array()}};
  std::map<const uint8_t*, std::string> cache;
  digests = &cache;
  for (const auto& c : catalogue.cases)
    out["cases"].push_back(case_json(c));
  digests = nullptr;
  return out;
}

}  // namespace wsprobe::harness
