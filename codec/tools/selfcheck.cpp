// wsprobe-selfcheck: runs the codec over the RFC 6455 vectors (5.7 frames, 1.3 handshake) and the
// Autobahn category 6 UTF-8 payloads and prints one line per check. Exit 0 when all pass.

#include <cstdio>
#include <string>

#include "frame_log.hpp"
#include "rfc6455_vectors.hpp"
#include "wsprobe/handshake.hpp"
#include "wsprobe/utf8.hpp"

namespace {

int failures = 0;
int checks = 0;

void report(bool ok, const std::string& what) {
  ++checks;
  if (!ok) ++failures;
  std::printf("%s  %s\n", ok ? "ok  " : "FAIL", what.c_str());
}

}  // namespace

int main() {
  using namespace wsprobe;
  for (const auto& v : vectors::rfc_frame_vectors()) {
    codec::FrameParserOptions opts;
    opts.role = v.receiver;
    const auto log = vectors::parse_whole(opts, v.bytes);
    const bool parsed = !log.error && log.frames.size() == 1 && log.frames[0].header == v.header &&
                        log.frames[0].payload == v.payload;
    report(parsed, std::string("RFC 6455 5.7 parse      ") + v.name);
    const bool encoded = codec::encode_frame(v.header, v.payload) == v.bytes;
    report(encoded, std::string("RFC 6455 5.7 serialize  ") + v.name);
  }
  report(codec::compute_accept(vectors::rfc_key) == vectors::rfc_accept,
         "RFC 6455 1.3 Sec-WebSocket-Accept of the sample key");
  codec::HttpHeadParser request(codec::HttpKind::request);
  request.feed(
      {reinterpret_cast<const uint8_t*>(vectors::rfc_request.data()), vectors::rfc_request.size()});
  codec::ServerOptions server;
  server.subprotocols = {"chat"};
  const auto accepted = request.status() == codec::HttpHeadParser::Status::complete
                            ? codec::validate_request(request.request(), server)
                            : codec::Expected<codec::AcceptedRequest>(request.error());
  report(accepted && codec::build_accept_response(accepted.value()) == vectors::rfc_response,
         "RFC 6455 1.3 sample request accepted with the sample response");

  int utf8_ok = 0;
  for (const auto& v : vectors::autobahn_utf8_vectors()) {
    codec::Utf8Validator validator;
    const auto bytes = vectors::from_hex(v.hex);
    const bool valid = validator.feed(bytes) && validator.finish();
    const bool ok = v.fail_at == vectors::kValid
                        ? valid
                        : !valid && *validator.failure_offset() == static_cast<uint64_t>(v.fail_at);
    if (ok) {
      ++utf8_ok;
      ++checks;
    } else {
      report(false, std::string("Autobahn ") + v.id + " UTF-8 verdict");
    }
  }
  std::printf("ok    Autobahn 6.x UTF-8 verdicts and fail-fast offsets: %d/%zu\n", utf8_ok,
              vectors::autobahn_utf8_vectors().size());
  std::printf("%d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
