// Fuzz target: the client side of the opening handshake: ClientHandshake (the RFC 6455 1.3
// request's key and offers) fed the server's response in the input's pieces, then validate().
// Oracles: the outcome does not depend on the split (status, leftover, verdict); every rejection
// is a 1002 naming a rule and the RFC; an accepted response is a 101 with the right
// Sec-WebSocket-Accept and only what was offered.

#include <algorithm>
#include <string>

#include "fuzz_support.hpp"
#include "wsprobe/handshake.hpp"

using namespace wsprobe;

namespace {
constexpr std::string_view key = "dGhlIHNhbXBsZSBub25jZQ==";

// Copies of a handshake that sent the request and read nothing yet.
codec::ClientHandshake feed(const codec::ClientHandshake& fresh, std::span<const uint8_t> stream,
                            const std::vector<size_t>& cuts) {
  codec::ClientHandshake h = fresh;
  size_t from = 0;
  for (size_t k = 0; k <= cuts.size(); ++k) {
    const size_t to = k < cuts.size() ? cuts[k] : stream.size();
    h.feed(stream.subspan(from, to - from));
    from = to;
  }
  return h;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Input in = fuzz::split_input(data, size);
  // The two requests (with and without the deflate offer), made once: they do not depend on
  // the input.
  static const auto make_options = [](bool deflate) {
    codec::ClientOptions options;
    options.host = "server.example.com";
    options.target = "/chat";
    options.subprotocols = {"chat", "superchat"};
    if (deflate) options.extensions = {"permessage-deflate; client_max_window_bits"};
    return options;
  };
  static const codec::ClientOptions option_sets[2] = {make_options(false), make_options(true)};
  static const codec::PreparedRequest requests[2] = {codec::prepare_request(option_sets[0], key),
                                                     codec::prepare_request(option_sets[1], key)};
  const codec::ClientOptions& options = option_sets[in.config & 1];
  static const codec::ClientHandshake fresh[2] = {
      codec::ClientHandshake(requests[0], codec::HttpLimits{1024, 16}),
      codec::ClientHandshake(requests[1], codec::HttpLimits{1024, 16})};
  const auto whole = feed(fresh[in.config & 1], in.stream, {});
  const auto pieces = feed(fresh[in.config & 1], in.stream, in.cuts);
  FUZZ_CHECK(whole.status() == pieces.status());
  FUZZ_CHECK(std::ranges::equal(whole.leftover(), pieces.leftover()));
  const auto v = whole.validate();
  const auto v_pieces = pieces.validate();
  FUZZ_CHECK(v.ok() == v_pieces.ok());
  using Status = codec::HandshakeStatus;
  if (whole.status() == Status::error) {
    FUZZ_CHECK(whole.error() == pieces.error());
    FUZZ_CHECK(whole.error().close_code == codec::close_code::protocol_error);
  }
  if (!v) {
    FUZZ_CHECK(v.error() == v_pieces.error());
    FUZZ_CHECK(v.error().close_code == codec::close_code::protocol_error);
    FUZZ_CHECK(v.error().rule != codec::Rule::unspecified);
    FUZZ_CHECK(v.error().reason.starts_with("RFC"));
    return 0;
  }
  FUZZ_CHECK(whole.status() == Status::complete);
  FUZZ_CHECK(whole.response().status == 101);
  FUZZ_CHECK(whole.response().headers.single("Sec-WebSocket-Accept") == codec::compute_accept(key));
  FUZZ_CHECK(v->subprotocol.empty() ||
             std::find(options.subprotocols.begin(), options.subprotocols.end(), v->subprotocol) !=
                 options.subprotocols.end());
  for (const auto& ext : v->extensions)
    FUZZ_CHECK((in.config & 1) != 0 && ext.name == "permessage-deflate");
  return 0;
}
