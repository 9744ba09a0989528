#pragma once
// Close frames (RFC 6455 5.5.1, 7.1.5, 7.4): which codes may appear on the wire, and the payload
// rules: empty, or a 2-byte big-endian code followed by a UTF-8 reason, 125 bytes at most.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wsprobe/error.hpp"

namespace wsprobe::codec {

enum class CloseCodeClass : uint8_t {
  defined,      // 1000-1003, 1007-1011: RFC 6455 7.4.1
  iana,         // 1012-1014: registered with IANA after the RFC
  local_only,   // 1005, 1006, 1015: MUST NOT be sent (7.4.1)
  reserved,     // 1004, 1016-2999: reserved for future RFCs (7.4.2)
  registered,   // 3000-3999: libraries and frameworks (7.4.2)
  private_use,  // 4000-4999: private use (7.4.2)
  invalid,      // 0-999, 5000-65535: not defined (7.4.2)
};

CloseCodeClass classify_close_code(uint16_t code);

// True when `code` may be sent in, and must be accepted from, a close frame.
constexpr bool is_valid_close_code(uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

inline constexpr size_t max_close_reason = 123;  // 125 - 2 bytes of code

struct ClosePayload {
  uint16_t code = close_code::no_status;  // 1005 when the payload was empty
  std::string reason;
  friend bool operator==(const ClosePayload&, const ClosePayload&) = default;
};

// Parses a received close payload; errors carry 1002 (size, code) or 1007 (reason not UTF-8).
Expected<ClosePayload> parse_close_payload(std::span<const uint8_t> payload);

// Builds the payload to send. Code 1005 (no status) gives an empty payload. Errors when the code
// may not be sent or the reason is not UTF-8 or longer than 123 bytes.
Expected<std::vector<uint8_t>> build_close_payload(uint16_t code, std::string_view reason = {});

// The code (big-endian) then the reason, whatever they are: the tester sends invalid codes,
// reasons that are not UTF-8 and payloads over 125 bytes with it. build_close_payload() is this
// after its checks.
std::vector<uint8_t> encode_close_payload_unchecked(uint16_t code,
                                                    std::span<const uint8_t> reason = {});

}  // namespace wsprobe::codec
