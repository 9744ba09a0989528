#include "wsprobe/client_handshake.hpp"

#include <algorithm>

#include "wsprobe/accept_key.hpp"

namespace wsprobe::codec {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& item : items)
    s += (s.empty() ? "" : ", ") + item;
  return s;
}

// Every extension element offered: the raw ones, then the permessage-deflate offer.
std::vector<std::string> offered_extensions(const ClientOptions& options) {
  std::vector<std::string> all = options.extensions;
  if (options.deflate) all.push_back(format_extension(deflate_element(*options.deflate)));
  return all;
}

// The parameters of each valid permessage-deflate element offered, in order.
std::vector<DeflateParameters> deflate_offers(const std::vector<ExtensionOffer>& offered) {
  std::vector<DeflateParameters> offers;
  for (const auto& element : offered) {
    if (element.name != deflate_extension_name) continue;
    if (auto params = parse_deflate_parameters(element)) offers.push_back(params.value());
  }
  return offers;
}

// The request's bytes, its fields written as given.
std::string serialize(const PreparedRequest& r) {
  const std::vector<HttpField> fields(r.headers.begin(), r.headers.end());
  return serialize_request(r.method, r.target, r.version, fields);
}

}  // namespace

PreparedRequest prepare_request(const ClientOptions& options, std::string_view key) {
  PreparedRequest r;
  r.target = options.target;
  r.headers = {{"Host", options.host},
               {"Upgrade", "websocket"},
               {"Connection", "Upgrade"},
               {"Sec-WebSocket-Key", std::string(key)},
               {"Sec-WebSocket-Version", std::string(websocket_version)}};
  if (!options.subprotocols.empty())
    r.headers.push_back({"Sec-WebSocket-Protocol", joined(options.subprotocols)});
  if (const auto extensions = offered_extensions(options); !extensions.empty())
    r.headers.push_back({"Sec-WebSocket-Extensions", joined(extensions)});
  for (const auto& header : options.extra_headers)
    r.headers.push_back(header);
  return r;
}

ClientRequest build_request(const ClientOptions& options, const RandomSource& random) {
  ClientRequest req;
  req.key = generate_key(random);
  const PreparedRequest r = prepare_request(options, req.key);
  req.bytes = serialize(r);
  return req;
}

Expected<AcceptedResponse> validate_response(const HttpResponse& response, std::string_view key,
                                             const ClientOptions& offered) {
  const HttpHeaders& h = response.headers;
  // RFC 6455 4.1, the client's checks on the server's handshake, in order.
  if (response.status != 101) return error_of(Rule::handshake_status_not_101);
  if (response.version_minor < 1) return error_of(Rule::handshake_response_http_version);
  const auto upgrade = h.single("Upgrade");
  if (!upgrade || !iequals(*upgrade, "websocket")) {
    return error_of(Rule::handshake_response_bad_upgrade);
  }
  if (!contains_token(h, "Connection", "Upgrade")) {
    return error_of(Rule::handshake_response_bad_connection);
  }
  const auto accept = h.single("Sec-WebSocket-Accept");
  if (!accept) return error_of(Rule::handshake_missing_accept);
  if (*accept != compute_accept(key)) return error_of(Rule::handshake_wrong_accept);

  AcceptedResponse accepted;
  const size_t protocol_fields = h.count("Sec-WebSocket-Protocol");
  if (protocol_fields > 1) return error_of(Rule::handshake_many_subprotocols);
  if (protocol_fields == 1) {
    const std::string_view chosen = *h.single("Sec-WebSocket-Protocol");
    const auto& mine = offered.subprotocols;
    if (std::find(mine.begin(), mine.end(), chosen) == mine.end()) {
      return error_of(Rule::handshake_subprotocol_not_offered);
    }
    accepted.subprotocol = chosen;
  }
  auto extensions = parse_extensions(h);
  if (!extensions) return error_of(Rule::handshake_response_bad_extensions);
  HttpHeaders offers;
  for (const auto& raw : offered_extensions(offered))
    offers.add("Sec-WebSocket-Extensions", raw);
  const auto offered_list = parse_extensions(offers);
  const auto& selected = extensions.value();
  for (size_t i = 0; i < selected.size(); ++i) {
    const auto& ext = selected[i];
    for (size_t j = 0; j < i; ++j) {
      if (selected[j].name == ext.name) {
        return error_of(Rule::handshake_repeated_extension);
      }
    }
    const bool was_offered =
        offered_list && std::any_of(offered_list->begin(), offered_list->end(),
                                    [&](const ExtensionOffer& o) { return o.name == ext.name; });
    if (!was_offered) {
      return error_of(Rule::handshake_extension_not_offered);
    }
    if (ext.name == deflate_extension_name) {
      // RFC 7692 7.1: the response may only carry what an offer allowed.
      auto agreement = accept_deflate_response(ext, deflate_offers(offered_list.value()));
      if (!agreement) return agreement.error();
      accepted.deflate = agreement.value();
    }
  }
  accepted.extensions = std::move(extensions.value());
  return accepted;
}

ClientHandshake::ClientHandshake(const ClientOptions& options, const RandomSource& random,
                                 HttpLimits limits)
    : ClientHandshake(prepare_request(options, generate_key(random)), limits) {}

ClientHandshake::ClientHandshake(const PreparedRequest& request, HttpLimits limits)
    : request_bytes_(serialize(request)), head_(HttpKind::response, limits) {
  // What was offered is what was sent: read back from the headers, so an odd request is judged
  // by what it said (the tokens as written, even when they are not valid tokens).
  const HttpHeaders sent(std::vector<HttpField>(request.headers.begin(), request.headers.end()));
  const auto keys = sent.all("Sec-WebSocket-Key");
  if (!keys.empty()) key_ = keys.front();
  for (const auto value : sent.all("Sec-WebSocket-Protocol")) {
    for (const auto token : split_list(value))
      offered_.subprotocols.emplace_back(token);
  }
  for (const auto value : sent.all("Sec-WebSocket-Extensions"))
    offered_.extensions.emplace_back(value);
  if (const auto host = sent.single("Host")) offered_.host = *host;
  offered_.target = request.target;
}

HandshakeStatus ClientHandshake::feed(std::span<const uint8_t> bytes) {
  return feed_head(head_, bytes, leftover_);
}

Expected<AcceptedResponse> ClientHandshake::validate() const {
  if (status() == HandshakeStatus::error) return error();
  if (status() == HandshakeStatus::incomplete)
    return head_error(HttpKind::response, Rule::http_incomplete_head);
  return validate_response(response(), key_, offered_);
}

}  // namespace wsprobe::codec
