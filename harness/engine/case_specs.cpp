#include "engine/case_specs.hpp"

#include "engine/case_generator.hpp"
#include "wsprobe/deflate_params.hpp"

namespace wsprobe::harness::catalogue_detail {

using json = nlohmann::json;

namespace {

// "remove": [NAME...], "set": {NAME: VALUE}, "add": [[NAME, VALUE]...]: header changes, as both
// a request and a response take them.
using Fields = std::vector<std::pair<std::string, std::string>>;

void header_edits(const json& h, std::vector<std::string>& remove, Fields& set, Fields& add) {
  if (h.contains("remove")) remove = h["remove"].get<std::vector<std::string>>();
  if (h.contains("set")) {
    for (const auto& [k, v] : h["set"].items())
      set.emplace_back(k, v.get<std::string>());
  }
  if (h.contains("add")) {
    for (const auto& kv : h["add"])
      add.emplace_back(kv.at(0).get<std::string>(), kv.at(1).get<std::string>());
  }
}

// Handshake stress sizes (robustness 20.7): a head of up to 256 MiB is made as it is written,
// never held; the target is held, so it stays within 16 MiB.
constexpr size_t max_fill_bytes = size_t{256} << 20;
constexpr size_t max_target_size = size_t{16} << 20;

void stress_of(const json& h, const std::string& at, HandshakeSpec& spec) {
  spec.target_size = h.value("target_size", size_t{0});
  if (spec.target_size > max_target_size) throw CaseError(at + ": target_size is at most 16 MiB");
  if (h.contains("fill")) {
    const json& f = h["fill"];
    only_keys(f, {"lines", "size"}, at + " fill");
    spec.fill_lines = f.at("lines").get<size_t>();
    spec.fill_line_size = f.at("size").get<size_t>();
    // "X-Fill-N: v" and CRLF: the shortest line that still has a value.
    const size_t shortest =
        std::string("X-Fill-: a\r\n").size() + std::to_string(spec.fill_lines).size();
    if (spec.fill_lines == 0 || spec.fill_line_size < shortest) {
      throw CaseError(at + " fill: at least 1 line of at least " + std::to_string(shortest) +
                      " bytes");
    }
    if (spec.fill_lines > max_fill_bytes / spec.fill_line_size)
      throw CaseError(at + " fill: at most 256 MiB of lines");
  }
  const std::string dropped = h.value("dropped", std::string("failed"));
  if (dropped == "non_strict") {
    spec.dropped = Behavior::non_strict;
  } else if (dropped != "failed") {
    throw CaseError(at + ": dropped is \"failed\" or \"non_strict\"");
  }
}

}  // namespace

HandshakeSpec handshake_of(const json& h, const std::string& where) {
  only_keys(h,
            {"method", "version", "remove", "set", "add", "expect_status", "expect_header",
             "target_size", "fill", "dropped"},
            where + " handshake");
  HandshakeSpec spec;
  stress_of(h, where + " handshake", spec);
  spec.method = h.value("method", spec.method);
  spec.version = h.value("version", spec.version);
  header_edits(h, spec.remove, spec.set, spec.add);
  if (h.contains("expect_status")) spec.expect_status = h["expect_status"].get<std::vector<int>>();
  if (h.contains("expect_header")) {
    for (const auto& [k, v] : h["expect_header"].items())
      spec.expect_header.emplace_back(k, v.get<std::string>());
  }
  return spec;
}

// What the tester answers to a client's handshake (RFC 6455 4.2.2), changed; client cases only.
HandshakeResponseSpec handshake_response_of(const json& h, const std::string& where) {
  const std::string at = where + " handshake_response";
  only_keys(h, {"status", "reason", "version", "remove", "set", "add", "chop", "pause", "refuse"},
            at);
  HandshakeResponseSpec spec;
  spec.status = h.value("status", spec.status);
  if (spec.status < 100 || spec.status > 599) throw CaseError(at + ": status is 100-599");
  spec.reason = h.value("reason", spec.reason);
  spec.version = h.value("version", spec.version);
  if (spec.version != "HTTP/1.1" && spec.version != "HTTP/1.0")
    throw CaseError(at + ": version is HTTP/1.1 or HTTP/1.0");
  header_edits(h, spec.remove, spec.set, spec.add);
  spec.chop = h.value("chop", spec.chop);
  spec.pause = h.value("pause", spec.pause);
  spec.refuse = h.value("refuse", spec.refuse);
  return spec;
}

namespace {

// RFC 7692 7.1.2: window bits are 8 to 15.
uint8_t window_bits_of(const json& v, const std::string& at, const char* name) {
  const auto bits = v.get<unsigned>();
  if (bits < codec::min_window_bits || bits > codec::max_window_bits)
    throw CaseError(at + ": " + name + " is 8 to 15");
  return static_cast<uint8_t>(bits);
}

// "require_offered" / "require_not_offered": [NAME...], the offer parameters an answer takes
// only offers with / without; each NAME client_no_context_takeover or client_max_window_bits.
void offer_filter(const json& a, const char* key, bool& nct, bool& bits, const std::string& at) {
  for (const auto& name : a.value(key, json::array())) {
    if (name == "client_no_context_takeover") {
      nct = true;
    } else if (name == "client_max_window_bits") {
      bits = true;
    } else {
      throw CaseError(at + ": " + key +
                      " names client_no_context_takeover or client_max_window_bits, not " +
                      name.dump());
    }
  }
}

// {"client_no_context_takeover": true, "client_max_window_bits": 9, "require_offered": [...]}:
// one way the tester, as the server, answers the client's offers (DeflateAcceptSpec).
DeflateAcceptSpec accept_of(const json& a, const std::string& at) {
  only_keys(a,
            {"server_no_context_takeover", "server_max_window_bits", "client_no_context_takeover",
             "client_max_window_bits", "answer_client_max_window_bits", "require_offered",
             "require_not_offered", "add_parameters"},
            at);
  DeflateAcceptSpec spec;
  codec::DeflateServerConfig& c = spec.config;
  c.server_no_context_takeover = a.value("server_no_context_takeover", false);
  c.client_no_context_takeover = a.value("client_no_context_takeover", false);
  c.answer_client_max_window_bits = a.value("answer_client_max_window_bits", false);
  if (a.contains("server_max_window_bits")) {
    c.server_max_window_bits =
        window_bits_of(a["server_max_window_bits"], at, "server_max_window_bits");
  }
  if (a.contains("client_max_window_bits")) {
    c.client_max_window_bits =
        window_bits_of(a["client_max_window_bits"], at, "client_max_window_bits");
  }
  offer_filter(a, "require_offered", spec.require_client_no_context_takeover,
               spec.require_client_max_window_bits, at);
  offer_filter(a, "require_not_offered", spec.without_client_no_context_takeover,
               spec.without_client_max_window_bits, at);
  if ((spec.require_client_no_context_takeover && spec.without_client_no_context_takeover) ||
      (spec.require_client_max_window_bits && spec.without_client_max_window_bits))
    throw CaseError(at + ": require_offered and require_not_offered name the same parameter");
  // [[NAME, VALUE]...]: appended as written (RFC 6455 9.1: "NAME" alone when VALUE is "").
  for (const auto& p : a.value("add_parameters", json::array())) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_string() || !p[1].is_string() ||
        p[0].get<std::string>().empty())
      throw CaseError(at + ": add_parameters is a list of [NAME, VALUE] strings, NAME not empty");
    spec.add_parameters.emplace_back(p[0].get<std::string>(), p[1].get<std::string>());
  }
  return spec;
}

}  // namespace

// {"offer": "permessage-deflate; ..." or a list of offers, "expect": {...}, "accept": [...]}: the
// tester's permessage-deflate offers and what the agreement must hold (RFC 7692 7.1), server
// cases; how it answers a client's offers, client cases (each needs its part: see catalogue.cpp).
DeflateSpec deflate_of(const json& d, const std::string& where) {
  const std::string at = where + " deflate";
  only_keys(d, {"offer", "expect", "accept"}, at);
  DeflateSpec spec;
  if (d.contains("accept")) {
    spec.accept.clear();
    for (const auto& a : d["accept"])
      spec.accept.push_back(accept_of(a, at + " accept"));
    if (spec.accept.empty()) throw CaseError(at + ": accept names at least one answer");
  }
  if (d.contains("offer")) {
    const json& offer = d["offer"];
    if (offer.is_string()) {
      spec.offers.push_back(offer.get<std::string>());
    } else {
      spec.offers = offer.get<std::vector<std::string>>();
    }
    if (spec.offers.empty()) throw CaseError(at + ": offer names at least one offer");
  }
  if (!d.contains("expect")) return spec;
  const json& e = d["expect"];
  only_keys(e,
            {"server_no_context_takeover", "client_no_context_takeover", "server_max_window_bits",
             "client_max_window_bits", "accept_only", "declined"},
            at + " expect");
  if (e.contains("accept_only")) {
    spec.accept_only = e["accept_only"].get<std::vector<size_t>>();
    for (const size_t n : *spec.accept_only) {
      if (n < 1 || n > spec.offers.size()) {
        throw CaseError(at + ": accept_only numbers offers from 1 to " +
                        std::to_string(spec.offers.size()));
      }
    }
  }
  if (e.contains("declined")) {
    const auto declined = e["declined"].get<std::string>();
    if (declined != "ok" && declined != "unimplemented")
      throw CaseError(at + ": declined is \"ok\" or \"unimplemented\"");
    spec.decline_ok = declined == "ok";
  }
  if (e.contains("server_no_context_takeover"))
    spec.server_no_context_takeover = e["server_no_context_takeover"].get<bool>();
  if (e.contains("client_no_context_takeover"))
    spec.client_no_context_takeover = e["client_no_context_takeover"].get<bool>();
  auto bits = [&](const char* name, std::optional<uint8_t>& out) {
    if (e.contains(name)) out = window_bits_of(e[name], at, name);
  };
  bits("server_max_window_bits", spec.server_max_window_bits);
  bits("client_max_window_bits", spec.client_max_window_bits);
  return spec;
}

// {"connections": N, "dribble": S}: connections held beside the case's own (slowloris, idle).
HoldSpec hold_of(const nlohmann::json& h, const std::string& where) {
  only_keys(h, {"connections", "dribble"}, where + " hold");
  HoldSpec spec;
  spec.connections = h.at("connections").get<size_t>();
  spec.dribble = h.value("dribble", 0.0);
  if (spec.connections == 0 || spec.connections > 10000 || spec.dribble < 0)
    throw CaseError(where + ": hold.connections is 1 to 10000, hold.dribble not negative");
  return spec;
}

}  // namespace wsprobe::harness::catalogue_detail
