#pragma once
// Every rule the codec enforces, as a named value: what fails the connection (close code) or
// rejects the handshake (HTTP status), and a reason that starts with the RFC section it cites.
// Tests and reports say which rule fired by name; the code, status and text come from one table.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wsprobe/close_code.hpp"

namespace wsprobe::codec {

// X(name, close code, HTTP status, "RFC section: reason"). One line per rule; the enum, the
// table and rule_name() are generated from this list so they cannot disagree.
// NOLINTBEGIN(cppcoreguidelines-macro-usage)
#define WSPROBE_RULES(X)                                                                           \
  X(unspecified, close_code::protocol_error, 0, "RFC 6455 7.1.7: protocol error")                  \
  /* Frames, RFC 6455 5.1-5.5: checked at the header, before any payload is read. */               \
  X(reserved_opcode, close_code::protocol_error, 0, "RFC 6455 5.2: reserved opcode")               \
  X(rsv_without_extension, close_code::protocol_error, 0,                                          \
    "RFC 6455 5.2: RSV bit set without an extension that defines it")                              \
  X(control_frame_fragmented, close_code::protocol_error, 0,                                       \
    "RFC 6455 5.5: fragmented control frame")                                                      \
  X(control_frame_too_long, close_code::protocol_error, 0,                                         \
    "RFC 6455 5.5: control frame payload longer than 125 bytes")                                   \
  X(unmasked_client_frame, close_code::protocol_error, 0, "RFC 6455 5.1: client frame not masked") \
  X(masked_server_frame, close_code::protocol_error, 0, "RFC 6455 5.1: server frame masked")       \
  X(non_minimal_length, close_code::protocol_error, 0,                                             \
    "RFC 6455 5.2: payload length not in the minimal number of bytes")                             \
  X(length_top_bit_set, close_code::protocol_error, 0,                                             \
    "RFC 6455 5.2: 64-bit payload length with the most significant bit set")                       \
  X(frame_too_big, close_code::message_too_big, 0, "RFC 6455 7.4.1: frame larger than the limit")  \
  /* Messages, RFC 6455 5.4, 5.6, 8.1. */                                                          \
  X(continuation_without_message, close_code::protocol_error, 0,                                   \
    "RFC 6455 5.4: continuation frame with no message to continue")                                \
  X(data_frame_inside_message, close_code::protocol_error, 0,                                      \
    "RFC 6455 5.4: new data frame inside a fragmented message")                                    \
  X(message_too_big, close_code::message_too_big, 0,                                               \
    "RFC 6455 10.4: message larger than the limit")                                                \
  X(invalid_utf8, close_code::invalid_payload, 0, "RFC 6455 8.1: text message is not valid UTF-8") \
  X(truncated_utf8, close_code::invalid_payload, 0,                                                \
    "RFC 6455 8.1: text message ends inside a UTF-8 sequence")                                     \
  /* Close payloads, RFC 6455 5.5.1, 7.1.5, 7.4. */                                                \
  X(close_payload_one_byte, close_code::protocol_error, 0,                                         \
    "RFC 6455 5.5.1: close payload of 1 byte (a code needs 2)")                                    \
  X(invalid_close_code, close_code::protocol_error, 0,                                             \
    "RFC 6455 7.4: close code that may not be sent")                                               \
  X(close_reason_invalid_utf8, close_code::invalid_payload, 0,                                     \
    "RFC 6455 5.5.1: close reason is not valid UTF-8")                                             \
  X(close_reason_too_long, close_code::protocol_error, 0,                                          \
    "RFC 6455 5.5: close reason longer than 123 bytes")                                            \
  X(close_reason_without_code, close_code::protocol_error, 0,                                      \
    "RFC 6455 5.5.1: a reason needs a close code")                                                 \
  /* Calls this endpoint may not make (the connection refuses them, sends nothing). */             \
  X(send_after_close, close_code::protocol_error, 0,                                               \
    "RFC 6455 5.5.1: nothing may be sent after a close frame")                                     \
  X(send_invalid_utf8_text, close_code::invalid_payload, 0,                                        \
    "RFC 6455 5.6: text must be valid UTF-8")                                                      \
  X(close_already_queued, close_code::protocol_error, 0,                                           \
    "RFC 6455 5.5.1: a close frame is already queued")                                             \
  /* ---- Opening handshake and HTTP (RFC 6455 4, RFC 9112): the handshake work's block. ---- */   \
  X(http_bare_lf, 0, 400, "RFC 9112 2.2: bare LF in the message head")                             \
  X(http_request_head_too_large, 0, 431, "RFC 6585 5: request head larger than the limit")         \
  X(http_request_target_too_long, 0, 414, "RFC 9112 3: request line longer than the head's limit") \
  X(http_response_head_too_large, close_code::protocol_error, 0,                                   \
    "RFC 6455 4.1: response head larger than the limit")                                           \
  X(http_nul_in_head, 0, 400, "RFC 9112 2.2: NUL in the message head")                             \
  X(http_bare_cr_or_lf, 0, 400, "RFC 9112 2.2: bare CR or LF in the message head")                 \
  X(http_malformed_request_line, 0, 400, "RFC 9112 3: malformed request line")                     \
  X(http_malformed_status_line, close_code::protocol_error, 0,                                     \
    "RFC 9112 4: malformed status line")                                                           \
  X(http_malformed_header, 0, 400, "RFC 9112 5.1: malformed header field")                         \
  X(http_obsolete_line_folding, 0, 400, "RFC 9112 5.2: obsolete line folding")                     \
  X(http_control_character, 0, 400, "RFC 9110 5.5: control character in a header value")           \
  X(http_too_many_headers, 0, 431, "RFC 6585 5: more header fields than the limit")                \
  X(http_incomplete_head, 0, 400, "RFC 9112 2.1: the message head is incomplete")                  \
  X(handshake_method_not_get, 0, 400, "RFC 6455 4.1: the method must be GET")                      \
  X(handshake_http_version, 0, 400, "RFC 6455 4.1: HTTP/1.1 or higher required")                   \
  X(handshake_missing_host, 0, 400, "RFC 6455 4.1: missing Host")                                  \
  X(handshake_repeated_host, 0, 400, "RFC 9112 3.2: more than one Host")                           \
  X(handshake_bad_host, 0, 400, "RFC 9112 3.2: malformed Host")                                    \
  X(handshake_bad_upgrade, 0, 400, "RFC 6455 4.2.1: Upgrade must include websocket")               \
  X(handshake_bad_connection, 0, 400, "RFC 6455 4.2.1: Connection must include Upgrade")           \
  X(handshake_missing_key, 0, 400, "RFC 6455 4.2.1: missing Sec-WebSocket-Key")                    \
  X(handshake_repeated_key, 0, 400, "RFC 6455 11.3.1: more than one Sec-WebSocket-Key")            \
  X(handshake_bad_key, 0, 400, "RFC 6455 4.2.1: Sec-WebSocket-Key is not base64 of 16 bytes")      \
  X(handshake_missing_version, 0, 400, "RFC 6455 4.2.1: missing Sec-WebSocket-Version")            \
  X(handshake_repeated_version, 0, 400, "RFC 6455 11.3.5: more than one Sec-WebSocket-Version")    \
  X(handshake_unsupported_version, 0, 426,                                                         \
    "RFC 6455 4.4: unsupported Sec-WebSocket-Version (13 only)")                                   \
  X(handshake_bad_extensions, 0, 400, "RFC 6455 9.1: malformed Sec-WebSocket-Extensions")          \
  X(handshake_bad_subprotocol, 0, 400, "RFC 6455 4.1: subprotocol is not a token")                 \
  X(handshake_status_not_101, close_code::protocol_error, 0, "RFC 6455 4.1: status is not 101")    \
  X(handshake_response_http_version, close_code::protocol_error, 0,                                \
    "RFC 6455 4.1: HTTP/1.1 or higher required")                                                   \
  X(handshake_response_bad_upgrade, close_code::protocol_error, 0,                                 \
    "RFC 6455 4.1: Upgrade is not exactly websocket")                                              \
  X(handshake_response_bad_connection, close_code::protocol_error, 0,                              \
    "RFC 6455 4.1: Connection does not include Upgrade")                                           \
  X(handshake_missing_accept, close_code::protocol_error, 0,                                       \
    "RFC 6455 4.1: missing or repeated Sec-WebSocket-Accept")                                      \
  X(handshake_wrong_accept, close_code::protocol_error, 0,                                         \
    "RFC 6455 4.1: wrong Sec-WebSocket-Accept")                                                    \
  X(handshake_many_subprotocols, close_code::protocol_error, 0,                                    \
    "RFC 6455 4.1: more than one subprotocol selected")                                            \
  X(handshake_subprotocol_not_offered, close_code::protocol_error, 0,                              \
    "RFC 6455 4.1: server selected a subprotocol the client did not offer")                        \
  X(handshake_response_bad_extensions, close_code::protocol_error, 0,                              \
    "RFC 6455 9.1: malformed Sec-WebSocket-Extensions")                                            \
  X(handshake_repeated_extension, close_code::protocol_error, 0,                                   \
    "RFC 6455 9.1: server selected the same extension twice")                                      \
  X(handshake_extension_not_offered, close_code::protocol_error, 0,                                \
    "RFC 6455 4.1: server selected an extension the client did not offer")                         \
  /* ---- permessage-deflate (RFC 7692): negotiation, then frames and inflating. ---- */           \
  X(deflate_response_bad_parameter, close_code::protocol_error, 0,                                 \
    "RFC 7692 7.1: unknown, repeated or invalid permessage-deflate parameter in the response")     \
  X(deflate_response_not_offered, close_code::protocol_error, 0,                                   \
    "RFC 7692 7.1.2: response parameter or window the offer did not allow")                        \
  X(deflate_response_missing_parameter, close_code::protocol_error, 0,                             \
    "RFC 7692 7.1.1.1: response omits a server parameter the offer asked for")                     \
  X(rsv1_on_control_or_continuation, close_code::protocol_error, 0,                                \
    "RFC 7692 6.1: RSV1 set on a control frame or a continuation frame")                           \
  X(deflate_invalid_data, close_code::invalid_payload, 0,                                          \
    "RFC 7692 7.2.2: compressed message does not inflate")                                         \
  X(inflated_message_too_big, close_code::message_too_big, 0,                                      \
    "RFC 6455 10.4: inflated message larger than the limit")

enum class Rule : uint16_t {
#define WSPROBE_RULE_ENUM(name, code, status, reason) name,
  WSPROBE_RULES(WSPROBE_RULE_ENUM)
#undef WSPROBE_RULE_ENUM
};

struct RuleInfo {
  std::string_view name;    // the enumerator's name, for reports: "control_frame_too_long"
  uint16_t close_code;      // the code that fails the connection, or 0
  uint16_t http_status;     // the status that rejects the handshake, or 0
  std::string_view reason;  // "RFC 6455 5.5: control frame payload longer than 125 bytes"
};

inline constexpr std::array rule_table{
#define WSPROBE_RULE_INFO(name, code, status, reason) RuleInfo{#name, code, status, reason},
    WSPROBE_RULES(WSPROBE_RULE_INFO)
#undef WSPROBE_RULE_INFO
};
#undef WSPROBE_RULES
// NOLINTEND(cppcoreguidelines-macro-usage)

inline constexpr size_t rule_count = rule_table.size();

constexpr const RuleInfo& rule_info(Rule rule) {
  return rule_table[static_cast<size_t>(rule)];
}
constexpr std::string_view rule_name(Rule rule) {
  return rule_info(rule).name;
}
// The RFC section the reason cites: "RFC 6455 5.5".
constexpr std::string_view rule_section(Rule rule) {
  const std::string_view reason = rule_info(rule).reason;
  return reason.substr(0, reason.find(':'));
}

}  // namespace wsprobe::codec
