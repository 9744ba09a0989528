#include "engine/handshake_response.hpp"

#include <algorithm>
#include <cctype>

#include "wsprobe/accept_key.hpp"
#include "wsprobe/deflate_params.hpp"
#include "wsprobe/http.hpp"

namespace wsprobe::harness {
namespace {

// "{accept}" in a case's value: the proof the client checks (RFC 6455 4.2.2 step 5.4).
std::string expand(std::string value, const std::string& accept) {
  static constexpr std::string_view token = "{accept}";
  for (size_t at = value.find(token); at != std::string::npos; at = value.find(token, at)) {
    value.replace(at, token.size(), accept);
    at += accept.size();
  }
  return value;
}

void verdict(CaseResult& r, Behavior b, CloseBehavior close, std::string why) {
  r.behavior = b;
  r.behavior_close = close;
  r.reason = std::move(why);
}

}  // namespace

std::optional<codec::DeflateAccept> accept_client_deflate(
    const DeflateSpec& spec, std::span<const codec::ExtensionOffer> offered) {
  for (const auto& a : spec.accept) {
    std::vector<codec::ExtensionOffer> offers;
    for (const auto& element : offered) {
      if (element.name != codec::deflate_extension_name) continue;
      const auto params = codec::parse_deflate_parameters(element);
      if (!params) continue;  // RFC 7692 7: declined (the codec's choice skips it too)
      if (a.require_client_no_context_takeover && !params->client_no_context_takeover) continue;
      if (a.require_client_max_window_bits && !params->client_max_window_bits) continue;
      if (a.without_client_no_context_takeover && params->client_no_context_takeover) continue;
      if (a.without_client_max_window_bits && params->client_max_window_bits) continue;
      offers.push_back(element);
    }
    auto accepted = codec::accept_deflate_offer(offers, a.config);
    if (!accepted) continue;
    // The tester's own additions, allowed or not (RFC 7692 7: a response the client must
    // refuse); the agreement stays the codec's.
    for (const auto& p : a.add_parameters)
      accepted->response.params.push_back(p);
    return accepted;
  }
  return std::nullopt;
}

std::string build_case_response(const HandshakeResponseSpec& spec,
                                const codec::AcceptedRequest& accepted) {
  // The codec's 101, read back as fields: every part the case leaves alone stays correct.
  const std::string base = codec::build_accept_response(accepted);
  codec::HttpHeadParser parser(codec::HttpKind::response);
  parser.feed({reinterpret_cast<const uint8_t*>(base.data()), base.size()});
  const codec::HttpResponse& response = parser.response();
  const std::string accept = codec::compute_accept(accepted.key);
  // The reason stays the codec's only while the status does.
  const std::string_view reason = !spec.reason.empty()             ? spec.reason
                                  : spec.status == response.status ? response.reason
                                                                   : std::string_view();
  std::vector<codec::HttpHeader> fields;
  for (const auto& [name, value] : response.headers.fields())
    fields.push_back({std::string(name), std::string(value)});
  for (const auto& name : spec.remove)
    std::erase_if(fields, [&](const auto& f) { return codec::iequals(f.name, name); });
  for (const auto& [name, value] : spec.set) {
    const std::string& n = name;  // a plain name: lambdas cannot capture bindings
    auto it = std::find_if(fields.begin(), fields.end(),
                           [&](const auto& f) { return codec::iequals(f.name, n); });
    if (it != fields.end()) {
      *it = {name, expand(value, accept)};  // the name as the case spells it
    } else {
      fields.push_back({name, expand(value, accept)});
    }
  }
  for (const auto& [name, value] : spec.add)
    fields.push_back({name, expand(value, accept)});
  const std::vector<codec::HttpField> views(fields.begin(), fields.end());
  return codec::serialize_response({spec.status, reason, spec.version == "HTTP/1.0" ? 0 : 1},
                                   views);
}

bool starts_like_http_request(std::string_view head) {
  // RFC 9112 3: method SP ...; a method is a token, in practice upper-case letters.
  size_t i = 0;
  while (i < head.size() && std::isupper(static_cast<unsigned char>(head[i])) != 0)
    ++i;
  return i > 0 && i < head.size() && head[i] == ' ';
}

void judge_refusal_by_client(const RefusalObservation& seen, CaseResult& r) {
  r.closed_by_me = false;
  r.was_clean = seen.tcp_closed;
  const std::string& who = seen.peer;
  const uint64_t other_frames = seen.frames - (seen.close_frame ? 1 : 0);
  if (other_frames > 0) {
    verdict(r, Behavior::failed, CloseBehavior::failed,
            who + " sent " + std::to_string(other_frames) +
                " WebSocket frame(s) after a response it must refuse: it took it as an upgrade "
                "(RFC 6455 4.1)");
  } else if (seen.close_frame) {
    verdict(r, Behavior::non_strict, CloseBehavior::ok,
            who +
                " refused the response with a close frame; the connection was never "
                "established, so failing it is closing TCP (RFC 6455 7.1.7, 4.1)");
  } else if (seen.http_request) {
    verdict(r, Behavior::ok, CloseBehavior::ok,
            who + " sent a new HTTP request: it did not take the response as an upgrade");
  } else if (seen.violation) {
    verdict(r, Behavior::failed, CloseBehavior::failed,
            who +
                " sent bytes that are neither a WebSocket frame nor an HTTP request after a "
                "response it must refuse");
  } else if (seen.tcp_closed) {
    verdict(r, Behavior::ok, CloseBehavior::ok,
            who + " refused the response: it closed the connection without sending a frame");
  } else {
    r.timers |= timer_kill;
    verdict(r, Behavior::non_strict, CloseBehavior::ok,
            who +
                " sent nothing but kept the connection open until the timeout; failing the "
                "connection closes it (RFC 6455 4.1, 7.1.1)");
  }
}

}  // namespace wsprobe::harness
