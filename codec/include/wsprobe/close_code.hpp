#pragma once
// Close status codes: RFC 6455 7.4.1 and the IANA "WebSocket Close Code Number Registry"
// (1012-1014).

#include <cstdint>

namespace wsprobe::codec::close_code {
inline constexpr uint16_t normal = 1000;
inline constexpr uint16_t going_away = 1001;
inline constexpr uint16_t protocol_error = 1002;
inline constexpr uint16_t unsupported_data = 1003;
inline constexpr uint16_t no_status = 1005;  // local only: a close frame without a code
inline constexpr uint16_t abnormal = 1006;   // local only: TCP closed without a close frame
inline constexpr uint16_t invalid_payload = 1007;
inline constexpr uint16_t policy_violation = 1008;
inline constexpr uint16_t message_too_big = 1009;
inline constexpr uint16_t mandatory_extension = 1010;
inline constexpr uint16_t internal_error = 1011;
inline constexpr uint16_t service_restart = 1012;
inline constexpr uint16_t try_again_later = 1013;
inline constexpr uint16_t bad_gateway = 1014;
inline constexpr uint16_t tls_handshake = 1015;  // local only
}  // namespace wsprobe::codec::close_code
