#include "wsprobe/close.hpp"

#include "wsprobe/frame_header.hpp"
#include "wsprobe/utf8.hpp"

namespace wsprobe::codec {

CloseCodeClass classify_close_code(uint16_t code) {
  if (code < 1000 || code >= 5000) return CloseCodeClass::invalid;
  if (code <= 1003 || (code >= 1007 && code <= 1011)) return CloseCodeClass::defined;
  if (code >= 1012 && code <= 1014) return CloseCodeClass::iana;
  if (code == 1005 || code == 1006 || code == 1015) return CloseCodeClass::local_only;
  if (code < 3000) return CloseCodeClass::reserved;  // 1004, 1016-2999
  if (code < 4000) return CloseCodeClass::registered;
  return CloseCodeClass::private_use;
}

Expected<ClosePayload> parse_close_payload(std::span<const uint8_t> payload) {
  ClosePayload close;
  if (payload.empty()) return close;  // RFC 6455 7.1.5: no status code, treated as 1005
  if (payload.size() == 1) return error_of(Rule::close_payload_one_byte);
  if (payload.size() > max_control_payload) return error_of(Rule::control_frame_too_long);
  close.code = static_cast<uint16_t>((payload[0] << 8) | payload[1]);
  if (!is_valid_close_code(close.code)) return error_of(Rule::invalid_close_code);
  const auto reason = payload.subspan(2);
  if (!is_valid_utf8(reason)) return error_of(Rule::close_reason_invalid_utf8);
  close.reason.assign(reason.begin(), reason.end());
  return close;
}

std::vector<uint8_t> encode_close_payload_unchecked(uint16_t code,
                                                    std::span<const uint8_t> reason) {
  std::vector<uint8_t> out;
  out.reserve(2 + reason.size());
  out.push_back(static_cast<uint8_t>(code >> 8));  // RFC 6455 5.5.1: network byte order
  out.push_back(static_cast<uint8_t>(code & 0xFF));
  out.insert(out.end(), reason.begin(), reason.end());
  return out;
}

Expected<std::vector<uint8_t>> build_close_payload(uint16_t code, std::string_view reason) {
  if (code == close_code::no_status) {
    if (!reason.empty()) return error_of(Rule::close_reason_without_code);
    return std::vector<uint8_t>{};
  }
  if (!is_valid_close_code(code)) return error_of(Rule::invalid_close_code);
  if (reason.size() > max_close_reason) return error_of(Rule::close_reason_too_long);
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(reason.data()),
                                       reason.size());
  if (!is_valid_utf8(bytes)) return error_of(Rule::close_reason_invalid_utf8);
  return encode_close_payload_unchecked(code, bytes);
}

}  // namespace wsprobe::codec
