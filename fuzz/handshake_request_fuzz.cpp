// Fuzz target: the server side of the opening handshake: ServerHandshake fed the input's pieces,
// then accept().
// Oracles: the outcome does not depend on the split (status, request, leftover, answer bytes);
// every error names a rule whose status it carries; a rejection is 400, 426 or 431 and its
// response carries Sec-WebSocket-Version: 13; an accepted request yields a 101 that the client
// side's own strict validation accepts, with the same subprotocol.

#include <algorithm>
#include <string>

#include "fuzz_support.hpp"
#include "wsprobe/handshake.hpp"

using namespace wsprobe;

namespace {

codec::ServerHandshake feed(std::span<const uint8_t> stream, const std::vector<size_t>& cuts) {
  codec::ServerHandshake h(codec::HttpLimits{1024, 16});
  size_t from = 0;
  for (size_t k = 0; k <= cuts.size(); ++k) {
    const size_t to = k < cuts.size() ? cuts[k] : stream.size();
    h.feed(stream.subspan(from, to - from));
    from = to;
  }
  return h;
}

bool same_request(const codec::HttpRequest& a, const codec::HttpRequest& b) {
  if (a.method != b.method || a.target != b.target || a.version_minor != b.version_minor)
    return false;
  const auto x = a.headers.fields();
  const auto y = b.headers.fields();
  return std::equal(x.begin(), x.end(), y.begin(), y.end(), [](const auto& f, const auto& g) {
    return f.name == g.name && f.value == g.value;
  });
}

bool named(const codec::Error& e) {
  return e.rule != codec::Rule::unspecified &&
         e.http_status == codec::rule_info(e.rule).http_status;
}

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Input in = fuzz::split_input(data, size);
  const auto whole = feed(in.stream, {});
  const auto pieces = feed(in.stream, in.cuts);
  FUZZ_CHECK(whole.status() == pieces.status());
  FUZZ_CHECK(std::ranges::equal(whole.leftover(), pieces.leftover()));
  using Status = codec::HandshakeStatus;
  codec::ServerOptions server;
  if ((in.config & 1) != 0) server.subprotocols = {"chat", "superchat"};
  const auto answer = whole.accept(server);
  FUZZ_CHECK(answer.bytes == pieces.accept(server).bytes);
  if (whole.status() == Status::error) {
    FUZZ_CHECK(whole.error() == pieces.error());
    FUZZ_CHECK(named(whole.error()));
    // 400 for a malformed head, 431 for fields over the head limit, 414 for a request line
    // that fills the limit alone (RFC 9112 3: "414 (URI Too Long)").
    const int status = whole.error().http_status;
    FUZZ_CHECK(status == 400 || status == 431 || status == 414);
    FUZZ_CHECK(!answer.accepted() && answer.result.error() == whole.error());
    return 0;
  }
  if (whole.status() == Status::incomplete) {
    FUZZ_CHECK(whole.leftover().empty());
    return 0;
  }
  FUZZ_CHECK(same_request(whole.request(), pieces.request()));

  if (!answer.accepted()) {
    const codec::Error& e = answer.result.error();
    FUZZ_CHECK(named(e));
    FUZZ_CHECK(e.http_status == 400 || e.http_status == 426);
    FUZZ_CHECK(whole.kind() == codec::RequestKind::websocket || e.http_status == 400);
    codec::HttpHeadParser rp(codec::HttpKind::response);
    rp.feed(bytes(answer.bytes));
    FUZZ_CHECK(rp.status() == Status::complete && rp.response().status == e.http_status);
    FUZZ_CHECK(rp.response().headers.single("Sec-WebSocket-Version") == "13");
    return 0;
  }
  const auto& accepted = answer.result.value();
  FUZZ_CHECK(codec::is_valid_key(accepted.key));
  codec::HttpHeadParser rp(codec::HttpKind::response);
  FUZZ_CHECK(rp.feed(bytes(answer.bytes)) == answer.bytes.size());
  FUZZ_CHECK(rp.status() == Status::complete);
  codec::ClientOptions offered;
  offered.subprotocols = accepted.offered_subprotocols;
  const auto ok = codec::validate_response(rp.response(), accepted.key, offered);
  FUZZ_CHECK(ok.ok());
  FUZZ_CHECK(ok->subprotocol == accepted.subprotocol);
  return 0;
}
