// Fuzz target: the server side of the opening handshake: the HTTP head parser fed in the input's
// pieces, then request validation and the response.
// Oracles: the parse does not depend on the split; a rejection is 400, 426 or 431 and its
// response carries Sec-WebSocket-Version: 13; an accepted request yields a 101 that the client
// side's own strict validation accepts, with the same subprotocol.

#include <string>

#include "fuzz_support.hpp"
#include "wsprobe/handshake.hpp"

using namespace wsprobe;

namespace {

codec::HttpHeadParser parse(std::span<const uint8_t> stream, const std::vector<size_t>& cuts,
                            size_t& consumed) {
  codec::HttpHeadParser p(codec::HttpKind::request, codec::HttpLimits{1024, 16});
  consumed = 0;
  size_t from = 0;
  for (size_t k = 0; k <= cuts.size(); ++k) {
    const size_t to = k < cuts.size() ? cuts[k] : stream.size();
    consumed += p.feed(stream.subspan(from, to - from));
    from = to;
  }
  return p;
}

bool same_request(const codec::HttpRequest& a, const codec::HttpRequest& b) {
  if (a.method != b.method || a.target != b.target || a.version_minor != b.version_minor)
    return false;
  if (a.headers.fields.size() != b.headers.fields.size()) return false;
  for (size_t i = 0; i < a.headers.fields.size(); ++i) {
    if (a.headers.fields[i].name != b.headers.fields[i].name ||
        a.headers.fields[i].value != b.headers.fields[i].value) {
      return false;
    }
  }
  return true;
}

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Input in = fuzz::split_input(data, size);
  size_t used_whole = 0;
  size_t used_pieces = 0;
  const auto whole = parse(in.stream, {}, used_whole);
  const auto pieces = parse(in.stream, in.cuts, used_pieces);
  FUZZ_CHECK(whole.status() == pieces.status());
  FUZZ_CHECK(used_whole == used_pieces && used_whole <= in.stream.size());
  using Status = codec::HttpHeadParser::Status;
  if (whole.status() == Status::error) {
    FUZZ_CHECK(whole.error() == pieces.error());
    FUZZ_CHECK(whole.error().http_status == 400 || whole.error().http_status == 431);
    return 0;
  }
  if (whole.status() == Status::incomplete) {
    FUZZ_CHECK(used_whole == in.stream.size());
    return 0;
  }
  FUZZ_CHECK(same_request(whole.request(), pieces.request()));

  codec::ServerOptions server;
  if ((in.config & 1) != 0) server.subprotocols = {"chat", "superchat"};
  const auto accepted = codec::validate_request(whole.request(), server);
  if (!accepted) {
    const uint16_t status = accepted.error().http_status;
    FUZZ_CHECK(status == 400 || status == 426);
    FUZZ_CHECK(codec::classify_request(whole.request()) == codec::RequestKind::websocket ||
               status == 400);
    const std::string response = codec::build_reject_response(accepted.error());
    codec::HttpHeadParser rp(codec::HttpKind::response);
    rp.feed(bytes(response));
    FUZZ_CHECK(rp.status() == Status::complete && rp.response().status == status);
    FUZZ_CHECK(rp.response().headers.single("Sec-WebSocket-Version") == "13");
    return 0;
  }
  FUZZ_CHECK(codec::is_valid_key(accepted->key));
  const std::string response = codec::build_accept_response(accepted.value());
  codec::HttpHeadParser rp(codec::HttpKind::response);
  FUZZ_CHECK(rp.feed(bytes(response)) == response.size());
  FUZZ_CHECK(rp.status() == Status::complete);
  codec::ClientOptions offered;
  offered.subprotocols = accepted->offered_subprotocols;
  const auto ok = codec::validate_response(rp.response(), accepted->key, offered);
  FUZZ_CHECK(ok.ok());
  FUZZ_CHECK(ok->subprotocol == accepted->subprotocol);
  return 0;
}
