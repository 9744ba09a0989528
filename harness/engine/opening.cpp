#include "engine/opening.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "engine/describe.hpp"
#include "engine/handshake_response.hpp"
#include "engine/stressed_request.hpp"
#include "wsprobe/handshake.hpp"

namespace wsprobe::harness {
namespace {

bool handshake_failed(CaseResult& r, Wire& wire, const std::string& why) {
  r.reason = why;
  wire.note('*', why);
  r.behavior = Behavior::failed;
  r.behavior_close = CloseBehavior::failed;
  return false;
}

// The first step, when the case sends it in the same write as the handshake.
bool append_first_frame(const Case& c, const Sender& sender, std::vector<uint8_t>& bytes,
                        Wire& wire) {
  if (c.steps.empty() || !c.steps.front().with_handshake) return false;
  const auto frame = sender.frame_bytes(c.steps.front());
  bytes.insert(bytes.end(), frame.begin(), frame.end());
  wire.note('>',
            "in the same write as the handshake: " +
                describe_frame(c.steps.front().header, c.steps.front().payload, sender.server()));
  return true;
}

// The request the case describes, starting from a valid one (RFC 6455 4.1).
codec::PreparedRequest case_request(const Case& c, const Url& url, const Sender& sender) {
  codec::ClientOptions options;
  options.host = url.host_header();
  // Handshake stress (RFC 9112 3): a request-target padded to the case's size.
  options.target = c.handshake ? padded_target(url.target, c.handshake->target_size) : url.target;
  options.extra_headers = {{"User-Agent", "wsprobe"}};
  codec::PreparedRequest req =
      codec::prepare_request(options, codec::generate_key(sender.random()));
  if (c.deflate) {
    // RFC 7692 5: the offers, in the order of preference, as elements of one field.
    std::string offers;
    for (const auto& offer : c.deflate->offers)
      offers += (offers.empty() ? "" : ", ") + offer;
    req.headers.push_back({"Sec-WebSocket-Extensions", offers});
  }
  if (!c.handshake) return req;
  const auto& h = *c.handshake;
  req.method = h.method;
  req.version = h.version;
  auto& fields = req.headers;
  for (const auto& name : h.remove)
    std::erase_if(fields, [&](const auto& f) { return codec::iequals(f.name, name); });
  for (const auto& [name, value] : h.set) {
    const std::string& n = name;  // a plain name: lambdas cannot capture bindings
    auto it = std::find_if(fields.begin(), fields.end(),
                           [&](const auto& f) { return codec::iequals(f.name, n); });
    if (it != fields.end()) {
      it->value = value;
    } else {
      fields.push_back({name, value});
    }
  }
  for (const auto& [name, value] : h.add)
    fields.push_back({name, value});
  return req;
}

// Whether the case takes a refusal (a status other than 101) as an answer.
bool refusal_expected(const HandshakeSpec& spec) {
  return std::any_of(spec.expect_status.begin(), spec.expect_status.end(),
                     [](int s) { return s != 101; });
}

// A case that expects a refusal: the status and headers it lists (RFC 6455 4.2.1, 4.4).
void judge_refusal(const Case& c, const codec::HttpResponse& response, Wire& wire, CaseResult& r) {
  const auto& spec = *c.handshake;
  r.behavior_close = CloseBehavior::ok;
  const bool listed = std::find(spec.expect_status.begin(), spec.expect_status.end(),
                                response.status) != spec.expect_status.end();
  std::string missing;
  for (const auto& [name, value] : spec.expect_header) {
    const auto got = response.headers.single(name);
    if (!got || !codec::iequals(*got, value)) missing = name + ": " + value;
  }
  const std::string status = "answered " + std::to_string(response.status);
  if (response.status == 101) {
    r.behavior = Behavior::failed;
    r.reason = "the server accepted a request it must refuse (101)";
  } else if (!missing.empty()) {
    r.behavior = Behavior::failed;
    r.reason = status + " without " + missing;
  } else if (listed) {
    r.behavior = Behavior::ok;
    r.reason = status;
  } else {
    r.behavior = Behavior::non_strict;
    std::string statuses;
    for (const int s : spec.expect_status) {
      if (s != 101) statuses += (statuses.empty() ? "" : " or ") + std::to_string(s);
    }
    r.reason = status + "; the expected status is " + statuses;
  }
  wire.note('*', r.reason);
}

// What the case requires of the agreement (RFC 7692 7.1.1, 7.1.2); "" when it holds.
std::string agreement_mismatch(const DeflateSpec& spec, const codec::DeflateAgreement& a) {
  auto flag = [](const char* name, const std::optional<bool>& want, bool got) -> std::string {
    if (!want || *want == got) return {};
    return std::string(name) + (got ? " was agreed; the case expects it not to be"
                                    : " was not agreed; the case expects it");
  };
  auto bits = [](const char* name, const std::optional<uint8_t>& most, uint8_t got) {
    if (!most || got <= *most) return std::string();
    return std::string(name) + " is " + std::to_string(got) + "; the case expects at most " +
           std::to_string(*most);
  };
  for (auto why :
       {flag("server_no_context_takeover", spec.server_no_context_takeover,
             a.server_no_context_takeover),
        flag("client_no_context_takeover", spec.client_no_context_takeover,
             a.client_no_context_takeover),
        bits("server_max_window_bits", spec.server_max_window_bits, a.server_max_window_bits),
        bits("client_max_window_bits", spec.client_max_window_bits, a.client_max_window_bits)}) {
    if (!why.empty()) return why;
  }
  return {};
}

// The response's Sec-WebSocket-Extensions fields as one, for evidence; "" when it has none.
std::string extensions_field(const codec::HttpResponse& response) {
  std::string value;
  for (const auto field : response.headers.all("Sec-WebSocket-Extensions"))
    value += (value.empty() ? "" : ", ") + std::string(field);
  return value;
}

// One offer as the codec reads it (RFC 7692 7): nullopt when a server must decline it (an
// unknown, repeated or invalid parameter).
std::optional<codec::DeflateParameters> offer_parameters(const std::string& offer) {
  codec::HttpHeaders h;
  h.add("Sec-WebSocket-Extensions", offer);
  const auto elements = codec::parse_extensions(h);
  if (!elements || elements->size() != 1 || elements->front().name != codec::deflate_extension_name)
    return std::nullopt;
  const auto params = codec::parse_deflate_parameters(elements->front());
  if (!params) return std::nullopt;
  return params.value();
}

// Whether offer `n` (from 1) allows the server's permessage-deflate element: the codec's own
// check of a response against an offer (RFC 7692 7.1).
bool allows(const DeflateSpec& spec, size_t n, const codec::ExtensionOffer& element) {
  const auto offer = offer_parameters(spec.offers[n - 1]);
  return offer && codec::accept_deflate_response(element, std::span(&*offer, 1)).ok();
}

std::string offer_list(const DeflateSpec& spec, const std::vector<size_t>& numbers) {
  std::string s;
  for (const size_t n : numbers)
    s += (s.empty() ? "" : ", ") + std::to_string(n) + " `" + spec.offers[n - 1] + "`";
  return s;
}

// A case that restricts which offers may be accepted (DeflateSpec::accept_only): "" when the
// server declined, or answered what one of those offers allows; otherwise what it answered,
// naming the response header, the offers it answers and those it had to decline.
std::string acceptance_finding(const Case& c, const codec::HttpResponse& response) {
  const DeflateSpec& spec = *c.deflate;
  if (!spec.accept_only) return {};
  const auto elements = codec::parse_extensions(response.headers);
  if (!elements) return {};  // a malformed field: validate() says so
  const auto element = std::find_if(elements->begin(), elements->end(), [](const auto& e) {
    return e.name == codec::deflate_extension_name;
  });
  if (element == elements->end()) return {};  // declined
  for (const size_t n : *spec.accept_only) {
    if (allows(spec, n, *element)) return {};
  }
  std::vector<size_t> answered;
  std::vector<size_t> invalid;
  for (size_t n = 1; n <= spec.offers.size(); ++n) {
    if (!offer_parameters(spec.offers[n - 1])) {
      invalid.push_back(n);
    } else if (allows(spec, n, *element)) {
      answered.push_back(n);
    }
  }
  std::string why =
      "the server answered `Sec-WebSocket-Extensions: " + extensions_field(response) + "`, ";
  why += spec.accept_only->empty()
             ? "agreeing to permessage-deflate where it must decline every offer"
             : "which answers none of the offers the case allows: " +
                   offer_list(spec, *spec.accept_only);
  if (!answered.empty()) why += "; it answers offer " + offer_list(spec, answered);
  if (!invalid.empty()) {
    why += "; a server must decline offer " + offer_list(spec, invalid) +
           " (an unknown, repeated or invalid parameter)";
  }
  return why + " (" + rfc_reference(c) + ")";
}

// A case whose offers must be declined, answered with a refusal of the whole handshake: the
// offer is not accepted, but RFC 7692 7 asks to decline it, leaving the connection usable.
void judge_deflate_refusal(const codec::HttpResponse& response, Wire& wire, CaseResult& r) {
  r.behavior = Behavior::non_strict;
  r.behavior_close = CloseBehavior::ok;
  r.reason = "the server refused the opening handshake (" + std::to_string(response.status) +
             ") where RFC 7692 7 asks it to decline the offer and go on without the extension";
  wire.note('*', r.reason);
}

// Client cases: the tester answers the client's permessage-deflate offers as the case says
// (RFC 7692 5, 7.1), adding its element to the response; an offer it cannot take leaves the
// extension out (the case is then UNIMPLEMENTED, Autobahn's fuzzingserver grading).
void agree_as_server(const Case& c, const codec::HttpRequest& request,
                     codec::AcceptedRequest& answer, Wire& wire, Opening& o) {
  std::string offered;
  for (const auto field : request.headers.all("Sec-WebSocket-Extensions"))
    offered += (offered.empty() ? "" : ", ") + std::string(field);
  auto accepted = accept_client_deflate(*c.deflate, answer.offered_extensions());
  if (!accepted) {
    wire.note('*', offered.empty() ? std::string("the client offered no extension")
                                   : "the client offered `Sec-WebSocket-Extensions: " + offered +
                                         "`: no permessage-deflate offer the case can accept");
    return;
  }
  o.deflate = accepted->agreement;
  answer.deflate = accepted->agreement;
  wire.note('*', "the client offered `" + offered + "`; permessage-deflate agreed (`" +
                     codec::format_extension(accepted->response) +
                     "`): " + describe_agreement(accepted->agreement));
  answer.selected_extensions.push_back(std::move(accepted->response));
}

// Handshake stress: the request written in pieces made as they go (engine/stressed_request.hpp),
// with a look at what came back between them, so that a server answering early (a 431 after its
// limit) or closing stops the writing. Returns the bytes written; `closed` tells whether the
// server ended the connection meanwhile.
uint64_t write_stressed(const Case& c, const std::string& head, codec::ClientHandshake& handshake,
                        Wire& wire, Clock::time_point deadline, bool& closed) {
  StressedHead pieces(head, *c.handshake);
  uint64_t written = 0;
  std::vector<uint8_t> buf(16384);
  closed = false;
  auto look = [&] {
    const auto got = wire.read_some(buf, Transport::no_wait);
    if (got.status == IoStatus::ok) handshake.feed({buf.data(), got.bytes});
    if (got.status == IoStatus::closed || got.status == IoStatus::error) closed = true;
    return !closed && handshake.status() == codec::HandshakeStatus::incomplete;
  };
  for (auto piece = pieces.next(); !piece.empty(); piece = pieces.next()) {
    while (!piece.empty()) {
      // A short deadline per write: a server that answered and stopped reading is seen at once.
      const auto w =
          wire.write(piece, std::min(deadline, Clock::now() + std::chrono::milliseconds(50)));
      written += w.bytes;
      piece = piece.subspan(w.bytes);
      if (w.status == IoStatus::closed || w.status == IoStatus::error) closed = true;
      if (!look() || Clock::now() >= deadline) {
        wire.note('>', "request: " + std::to_string(written) + " of its " +
                           std::to_string(pieces.size()) + " bytes written");
        return written;
      }
    }
  }
  wire.note('>', "request: all " + std::to_string(written) + " bytes written");
  return written;
}

// A stressed request the server ended the connection on without an answer: a refusal, not the
// 4xx RFC 9110 5.4 asks for; graded as the case says (HandshakeSpec::dropped).
void judge_dropped(const Case& c, uint64_t written, Wire& wire, CaseResult& r) {
  r.reason = "the server closed the connection without an answer, after " +
             std::to_string(written) + " bytes of the request";
  if (c.handshake->dropped == Behavior::failed) {
    handshake_failed(r, wire, r.reason);
    return;
  }
  r.behavior = c.handshake->dropped;
  r.behavior_close = CloseBehavior::ok;
  r.reason += " (" + rfc_reference(c) + " asks for a 4xx)";
  wire.note('*', r.reason);
}

}  // namespace

std::string describe_agreement(const codec::DeflateAgreement& a) {
  std::string s = "server_max_window_bits=" + std::to_string(a.server_max_window_bits) +
                  ", client_max_window_bits=" + std::to_string(a.client_max_window_bits);
  if (a.server_no_context_takeover) s += ", server_no_context_takeover";
  if (a.client_no_context_takeover) s += ", client_no_context_takeover";
  return s;
}

Opening open_as_client(const Case& c, const Url& url, const TlsOptions& tls, Wire& wire,
                       const Sender& sender, CaseResult& r) {
  Opening o;
  std::string error;
  const auto deadline = wire.after(open_handshake_timeout);
  auto transport = Transport::connect(url, deadline, tls, error);
  if (!transport) {
    r.reason = error;
    wire.note('*', error);
    return o;
  }
  wire.attach(std::move(transport));
  r.connected = true;
  codec::ClientHandshake handshake(case_request(c, url, sender));
  const std::string& request = handshake.request_bytes();
  r.http_request = request;
  const std::string line = request.substr(0, request.find("\r\n"));
  wire.note('>', "opening handshake: " + (line.size() <= 200
                                              ? line
                                              : line.substr(0, 200) + "... (" +
                                                    std::to_string(line.size()) + " bytes)"));
  const bool stress = c.handshake && stressed(*c.handshake);
  uint64_t written = 0;
  if (stress) {
    constexpr size_t shown = 2048;  // a 64 KiB target is evidence enough in its first 2 KiB
    if (request.size() > shown) {
      r.http_request =
          request.substr(0, shown) + "... (" + std::to_string(request.size()) + " bytes)";
    }
    if (c.handshake->fill_lines > 0) {
      r.http_request += "(and before the empty line " + std::to_string(c.handshake->fill_lines) +
                        " X-Fill-* lines of " + std::to_string(c.handshake->fill_line_size) +
                        " bytes)";
    }
    bool closed = false;
    written = write_stressed(c, request, handshake, wire, deadline, closed);
    r.bytes_sent += written;  // a server watch weighs memory growth against what was sent
    if (closed && handshake.status() == codec::HandshakeStatus::incomplete) {
      judge_dropped(c, written, wire, r);
      return o;
    }
  } else {
    std::vector<uint8_t> first(request.begin(), request.end());
    o.first_step_sent = append_first_frame(c, sender, first, wire);
    if (wire.write(first, deadline).status != IoStatus::ok) {
      handshake_failed(r, wire, "the server closed the connection during the opening handshake");
      return o;
    }
  }
  std::vector<uint8_t> buf(16384);
  while (handshake.status() == codec::HandshakeStatus::incomplete) {
    const auto got = wire.read_some(buf, deadline);
    if (got.status == IoStatus::timeout) {
      r.timers |= timer_open;
      handshake_failed(r, wire, "no handshake response within the open timeout");
      return o;
    }
    if (got.status != IoStatus::ok) {
      if (stress) {
        judge_dropped(c, written, wire, r);
      } else {
        handshake_failed(r, wire,
                         "the server closed the connection before answering the handshake");
      }
      return o;
    }
    handshake.feed({buf.data(), got.bytes});
  }
  r.http_response = std::string(handshake.head_bytes());
  if (handshake.status() == codec::HandshakeStatus::error) {
    handshake_failed(r, wire,
                     "malformed handshake response: " + std::string(handshake.error().reason));
    return o;
  }
  wire.note('<', "handshake response: " + r.http_response.substr(0, r.http_response.find("\r\n")));
  const int status = handshake.response().status;
  const bool must_refuse =
      c.handshake && std::find(c.handshake->expect_status.begin(), c.handshake->expect_status.end(),
                               101) == c.handshake->expect_status.end();
  if (stress && must_refuse && status == 101) {
    handshake_failed(r, wire,
                     "the server accepted (101) a head of " + std::to_string(written) +
                         " bytes it must refuse: no cap on the size of its opening handshake");
    return o;
  }
  if (must_refuse || (c.handshake && status != 101 && refusal_expected(*c.handshake))) {
    judge_refusal(c, handshake.response(), wire, r);
    return o;
  }
  if (stress && status == 101 && written < stressed_size(request.size(), *c.handshake)) {
    handshake_failed(r, wire,
                     "the server answered 101 after " + std::to_string(written) +
                         " bytes, before the request's end (RFC 9112 2.1: the head ends with an "
                         "empty line)");
    return o;
  }
  if (c.deflate && c.deflate->decline_ok && handshake.response().status != 101) {
    judge_deflate_refusal(handshake.response(), wire, r);
    return o;
  }
  const auto accepted = handshake.validate();
  // RFC 7692 7: an offer the server must decline, accepted (or, in a SHOULD case, a later offer
  // taken over a preferred one, RFC 7692 5).
  const std::string finding = c.deflate ? acceptance_finding(c, handshake.response()) : "";
  if (!finding.empty() && c.requirement != Requirement::should) {
    handshake_failed(r, wire, "permessage-deflate: " + finding);
    return o;
  }
  if (!accepted) {
    const std::string field = c.deflate ? extensions_field(handshake.response()) : "";
    handshake_failed(
        r, wire,
        "the server's handshake response is invalid: " + std::string(accepted.error().reason) +
            " [" + std::string(codec::rule_name(accepted.error().rule)) + "]" +
            (field.empty() ? "" : " (`Sec-WebSocket-Extensions: " + field + "`)"));
    return o;
  }
  o.deflate_not_preferred = finding;
  if (c.deflate) {
    // RFC 7692 7.1: validate() checked the response against the offers (only what an offer
    // allows may be answered); a response without the extension declines them all.
    o.deflate = accepted->deflate;
    const auto field = handshake.response().headers.single("Sec-WebSocket-Extensions");
    wire.note('*', o.deflate ? "permessage-deflate agreed (" + std::string(field.value_or("")) +
                                   "): " + describe_agreement(*o.deflate)
                             : std::string("the server did not agree to permessage-deflate"));
    if (o.deflate) {
      if (const auto why = agreement_mismatch(*c.deflate, *o.deflate); !why.empty()) {
        handshake_failed(r, wire, "permessage-deflate: " + why + " (RFC 7692 7.1)");
        return o;
      }
    }
  }
  const auto rest = handshake.leftover();
  o.leftover.assign(rest.begin(), rest.end());
  o.open = true;
  return o;
}

Opening open_as_server(const Case& c, const codec::HttpRequest& request,
                       std::vector<uint8_t> leftover, Wire& wire, const Sender& sender,
                       CaseResult& r) {
  Opening o;
  r.connected = true;
  r.http_request = request.method + " " + request.target;
  const auto accepted = codec::validate_request(request);
  if (!accepted) {
    const std::string reject = codec::build_reject_response(accepted.error());
    (void)wire.write({reinterpret_cast<const uint8_t*>(reject.data()), reject.size()},
                     wire.after(1.0));
    handshake_failed(
        r, wire,
        "the client's upgrade request is invalid: " + std::string(accepted.error().reason));
    return o;
  }
  codec::AcceptedRequest answer = accepted.value();
  if (c.deflate) agree_as_server(c, request, answer, wire, o);
  const auto& spec = c.handshake_response;
  const std::string response =
      spec ? build_case_response(*spec, answer) : codec::build_accept_response(answer);
  r.http_response = response;
  std::vector<uint8_t> first(response.begin(), response.end());
  o.first_step_sent = append_first_frame(c, sender, first, wire);
  wire.note('>', "handshake response: " + response.substr(0, response.find("\r\n")));
  // A dribbled response (RFC 6455 4.1: the client reads the head as it comes, in any pieces).
  const size_t piece = spec && spec->chop > 0 ? spec->chop : first.size();
  const auto deadline = wire.after(open_handshake_timeout);
  for (size_t at = 0; at < first.size(); at += piece) {
    if (at > 0 && spec && spec->pause > 0)
      std::this_thread::sleep_for(std::chrono::duration<double>(spec->pause));
    const size_t n = std::min(piece, first.size() - at);
    if (wire.write(std::span(first).subspan(at, n), deadline).status != IoStatus::ok) {
      if (spec && spec->refuse) break;  // it closed: the verdict reads that
      handshake_failed(r, wire, "the client closed the connection during the opening handshake");
      return o;
    }
  }
  o.open = true;
  o.leftover = std::move(leftover);
  return o;
}

}  // namespace wsprobe::harness
