// Fuzz target: close frame payloads (RFC 6455 5.5.1, 7.4).
// Oracles: the verdict equals the rules restated here (empty, or a sendable code plus a UTF-8
// reason, 125 bytes at most); a size or code fault is 1002, a bad reason 1007; what parses
// rebuilds byte for byte.

#include "fuzz_support.hpp"
#include "wsprobe/close.hpp"

using namespace wsprobe;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> payload(data, size);
  const auto parsed = codec::parse_close_payload(payload);
  if (size == 0) {
    FUZZ_CHECK(parsed && parsed->code == codec::close_code::no_status && parsed->reason.empty());
    FUZZ_CHECK(codec::build_close_payload(codec::close_code::no_status)->empty());
    return 0;
  }
  const uint32_t code = size >= 2 ? (uint32_t{data[0]} << 8 | data[1]) : 0;
  const bool code_ok = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                       (code >= 3000 && code <= 4999);
  const bool shape_ok = size >= 2 && size <= 125 && code_ok;
  const bool reason_ok = size >= 2 && fuzz::reference_utf8_failure(payload.subspan(2)) == -1;
  if (!shape_ok) {
    FUZZ_CHECK(!parsed && parsed.error().close_code == codec::close_code::protocol_error);
    return 0;
  }
  if (!reason_ok) {
    FUZZ_CHECK(!parsed && parsed.error().close_code == codec::close_code::invalid_payload);
    FUZZ_CHECK(parsed.error().rule == codec::Rule::close_reason_invalid_utf8);
    return 0;
  }
  FUZZ_CHECK(parsed && parsed->code == code);
  const auto rebuilt = codec::build_close_payload(parsed->code, parsed->reason);
  FUZZ_CHECK(rebuilt && std::equal(rebuilt->begin(), rebuilt->end(), data, data + size) &&
             rebuilt->size() == size);
  // The checked builder is the unchecked encoder after its checks.
  FUZZ_CHECK(*rebuilt == codec::encode_close_payload_unchecked(parsed->code, payload.subspan(2)));
  return 0;
}
