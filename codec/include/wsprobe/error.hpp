#pragma once
// Errors are values: the rule broken (rule.hpp), the close code or HTTP status that answers it, and
// a reason naming the RFC rule. Nothing in the codec throws across its API.

#include <cstdint>
#include <string_view>
#include <utility>
#include <variant>

#include "wsprobe/close_code.hpp"
#include "wsprobe/rule.hpp"

namespace wsprobe::codec {

struct Error {
  uint16_t close_code = 0;   // the code to fail the connection with (frame-level errors)
  uint16_t http_status = 0;  // the status to reject the handshake with (server-side handshake)
  std::string_view reason;   // static text: "RFC 6455 5.5: control frame longer than 125 bytes"
  Rule rule = Rule::unspecified;  // which rule: tests and reports name it

  friend bool operator==(const Error&, const Error&) = default;
};

// The Error for a rule: code, status and reason from the rule table, so the four always agree.
constexpr Error error_of(Rule rule) {
  const RuleInfo& info = rule_info(rule);
  return Error{info.close_code, info.http_status, info.reason, rule};
}

// Errors without a named rule (Rule::unspecified); prefer error_of().
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
  // The value built in place, where a caller fills a large one and returns it without a move.
  template <class... Args>
  explicit Expected(std::in_place_t /*unused*/, Args&&... args)
      : v_(std::in_place_index<0>, std::forward<Args>(args)...) {}

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
