// Fuzz target: the client side of the opening handshake: the server's response, parsed in the
// input's pieces and validated strictly against the RFC 6455 1.3 request (key, offers).
// Oracles: the parse does not depend on the split; every rejection is a 1002 naming an RFC
// rule; an accepted response is a 101 with the right Sec-WebSocket-Accept and only what was
// offered.

#include <algorithm>
#include <string>

#include "fuzz_support.hpp"
#include "wsprobe/handshake.hpp"

using namespace wsprobe;

namespace {
constexpr std::string_view key = "dGhlIHNhbXBsZSBub25jZQ==";

codec::HttpHeadParser parse(std::span<const uint8_t> stream, const std::vector<size_t>& cuts) {
  codec::HttpHeadParser p(codec::HttpKind::response, codec::HttpLimits{1024, 16});
  size_t from = 0;
  for (size_t k = 0; k <= cuts.size(); ++k) {
    const size_t to = k < cuts.size() ? cuts[k] : stream.size();
    p.feed(stream.subspan(from, to - from));
    from = to;
  }
  return p;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Input in = fuzz::split_input(data, size);
  const auto whole = parse(in.stream, {});
  const auto pieces = parse(in.stream, in.cuts);
  FUZZ_CHECK(whole.status() == pieces.status());
  using Status = codec::HttpHeadParser::Status;
  if (whole.status() == Status::error) {
    FUZZ_CHECK(whole.error() == pieces.error());
    FUZZ_CHECK(whole.error().close_code == codec::close_code::protocol_error);
    return 0;
  }
  if (whole.status() != Status::complete) return 0;
  FUZZ_CHECK(whole.response().status == pieces.response().status);
  FUZZ_CHECK(whole.response().headers.fields.size() == pieces.response().headers.fields.size());

  codec::ClientOptions offered;
  offered.subprotocols = {"chat", "superchat"};
  if ((in.config & 1) != 0) offered.extensions = {"permessage-deflate; client_max_window_bits"};
  const auto v = codec::validate_response(whole.response(), key, offered);
  if (!v) {
    FUZZ_CHECK(v.error().close_code == codec::close_code::protocol_error);
    FUZZ_CHECK(v.error().reason.starts_with("RFC"));
    return 0;
  }
  FUZZ_CHECK(whole.response().status == 101);
  FUZZ_CHECK(whole.response().headers.single("Sec-WebSocket-Accept") == codec::compute_accept(key));
  FUZZ_CHECK(v->subprotocol.empty() ||
             std::find(offered.subprotocols.begin(), offered.subprotocols.end(), v->subprotocol) !=
                 offered.subprotocols.end());
  for (const auto& ext : v->extensions)
    FUZZ_CHECK((in.config & 1) != 0 && ext.name == "permessage-deflate");
  return 0;
}
