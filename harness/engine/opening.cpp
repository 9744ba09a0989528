#include "engine/opening.hpp"

#include <algorithm>

#include "engine/describe.hpp"
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
  wire.note('>', "in the same write as the handshake: " +
                     describe_frame(c.steps.front().header, c.steps.front().payload));
  return true;
}

// The request the case describes, starting from a valid one (RFC 6455 4.1).
std::string build_request(const Case& c, const Url& url, const Sender& sender, std::string& key,
                          codec::ClientOptions& offered) {
  key = codec::generate_key(sender.random());
  std::vector<std::pair<std::string, std::string>> fields = {
      {"Host", url.host_header()}, {"Upgrade", "websocket"},        {"Connection", "Upgrade"},
      {"Sec-WebSocket-Key", key},  {"Sec-WebSocket-Version", "13"}, {"User-Agent", "wsprobe"}};
  std::string method = "GET";
  std::string version = "HTTP/1.1";
  if (c.handshake) {
    const auto& h = *c.handshake;
    method = h.method;
    version = h.version;
    auto same = [](const std::string& a, const std::string& b) { return codec::iequals(a, b); };
    for (const auto& name : h.remove)
      std::erase_if(fields, [&](const auto& f) { return same(f.first, name); });
    for (const auto& field : h.set) {
      const std::string& name = field.first;  // a plain name: lambdas cannot capture bindings
      auto it = std::find_if(fields.begin(), fields.end(),
                             [&](const auto& f) { return same(f.first, name); });
      if (it != fields.end()) {
        it->second = field.second;
      } else {
        fields.emplace_back(name, field.second);
      }
      if (same(name, "Sec-WebSocket-Key")) key = field.second;
    }
    for (const auto& [name, value] : h.add) {
      fields.emplace_back(name, value);
      if (same(name, "Sec-WebSocket-Protocol")) {
        for (auto p : codec::split_list(value))
          offered.subprotocols.emplace_back(p);
      }
    }
  }
  std::string req = method + " " + url.target + " " + version + "\r\n";
  for (const auto& [name, value] : fields)
    req += name + ": " + value + "\r\n";
  return req + "\r\n";
}

// A case that expects a refusal: the status and headers it lists (RFC 6455 4.2.1, 4.4).
void judge_refusal(const Case& c, const codec::HttpResponse& response, Wire& wire,
                   CaseResult& r) {
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
    r.reason = status + "; the expected status is " + std::to_string(spec.expect_status.front());
  }
  wire.note('*', r.reason);
}

}  // namespace

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
  std::string key;
  codec::ClientOptions offered;
  const std::string request = build_request(c, url, sender, key, offered);
  r.http_request = request;
  wire.note('>', "opening handshake: " + request.substr(0, request.find("\r\n")));
  std::vector<uint8_t> first(request.begin(), request.end());
  o.first_step_sent = append_first_frame(c, sender, first, wire);
  if (wire.write(first, deadline).status != IoStatus::ok) {
    handshake_failed(r, wire, "the server closed the connection during the opening handshake");
    return o;
  }
  codec::HttpHeadParser head(codec::HttpKind::response);
  std::vector<uint8_t> buf(16384);
  while (head.status() == codec::HttpHeadParser::Status::incomplete) {
    const auto got = wire.read_some(buf, deadline);
    if (got.status == IoStatus::timeout) {
      r.timers |= timer_open;
      handshake_failed(r, wire, "no handshake response within the open timeout");
      return o;
    }
    if (got.status != IoStatus::ok) {
      handshake_failed(r, wire,
                       "the server closed the connection before answering the handshake");
      return o;
    }
    const std::span<const uint8_t> in(buf.data(), got.bytes);
    const size_t used = head.feed(in);
    r.http_response.append(reinterpret_cast<const char*>(in.data()), used);
    if (head.status() == codec::HttpHeadParser::Status::complete)
      o.leftover.assign(in.begin() + static_cast<long>(used), in.end());
  }
  if (head.status() == codec::HttpHeadParser::Status::error) {
    handshake_failed(r, wire, "malformed handshake response: " + std::string(head.error().reason));
    return o;
  }
  const auto& response = head.response();
  wire.note('<', "handshake response: " + r.http_response.substr(0, r.http_response.find("\r\n")));
  if (c.handshake && std::find(c.handshake->expect_status.begin(),
                               c.handshake->expect_status.end(),
                               101) == c.handshake->expect_status.end()) {
    judge_refusal(c, response, wire, r);
    return o;
  }
  offered.host = url.host_header();
  const auto accepted = codec::validate_response(response, key, offered);
  if (!accepted) {
    handshake_failed(r, wire,
                     "the server's handshake response is invalid: " +
                         std::string(accepted.error().reason));
    return o;
  }
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
    handshake_failed(r, wire,
                     "the client's upgrade request is invalid: " +
                         std::string(accepted.error().reason));
    return o;
  }
  const std::string response = codec::build_accept_response(accepted.value());
  r.http_response = response;
  std::vector<uint8_t> first(response.begin(), response.end());
  o.first_step_sent = append_first_frame(c, sender, first, wire);
  wire.note('>', "handshake response: HTTP/1.1 101 Switching Protocols");
  if (wire.write(first, wire.after(open_handshake_timeout)).status != IoStatus::ok) {
    handshake_failed(r, wire, "the client closed the connection during the opening handshake");
    return o;
  }
  o.open = true;
  o.leftover = std::move(leftover);
  return o;
}

}  // namespace wsprobe::harness
