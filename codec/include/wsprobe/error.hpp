#pragma once
// Errors are values: what went wrong, the close code or HTTP status that answers it, and a reason
// naming the RFC rule broken. Nothing in the codec throws across its API.

#include <cstdint>
#include <string_view>
#include <utility>
#include <variant>

namespace wsprobe::codec {

// RFC 6455 7.4.1 and the IANA "WebSocket Close Code Number Registry" (1012-1014).
namespace close_code {
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
}  // namespace close_code

struct Error {
  uint16_t close_code = 0;   // the code to fail the connection with (frame-level errors)
  uint16_t http_status = 0;  // the status to reject the handshake with (server-side handshake)
  std::string_view reason;   // static text: "RFC 6455 5.5: control frame longer than 125 bytes"

  friend bool operator==(const Error&, const Error&) = default;
};

constexpr Error protocol_error(std::string_view reason) {
  return Error{close_code::protocol_error, 0, reason};
}
constexpr Error http_error(uint16_t status, std::string_view reason) {
  return Error{0, status, reason};
}

// A value or the Error that prevented it; a minimal std::expected for C++20.
template <class T>
class Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Expected(Error error) : v_(error) {}         // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  [[nodiscard]] const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace wsprobe::codec
