#pragma once
// Incremental HTTP/1.1 message-head parsing (RFC 9112) for the opening handshake: a request line
// or status line, then header fields, up to the empty line. Bytes after it (a frame in the same
// segment as the handshake) are left to the caller. Header bytes and count are limited; a head
// over a limit fails with 431.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wsprobe/error.hpp"

namespace wsprobe::codec {

// A header field as a caller builds and edits it, owning its bytes (a request to send).
struct HttpHeader {
  std::string name;
  std::string value;
};

// A view of one header field: what parsed headers yield and what the writers take. Converts from
// an HttpHeader, which must outlive it.
struct HttpField {
  std::string_view name;
  std::string_view value;
  HttpField() = default;
  HttpField(std::string_view n, std::string_view v) : name(n), value(v) {}
  HttpField(const HttpHeader& h) : name(h.name), value(h.value) {}  // NOLINT(*-explicit-*)
};

// A message's header fields, in order, with their bytes held in one buffer: a parsed head costs
// two allocations however many fields it has (the handshake is on every connection's path).
// Copies and moves re-point the fields at the new buffer, so a copied HttpRequest never views
// another's bytes.
class HttpHeaders {
 public:
  HttpHeaders() = default;
  HttpHeaders(std::initializer_list<HttpField> fields)
      : HttpHeaders(std::span<const HttpField>(fields.begin(), fields.size())) {}
  explicit HttpHeaders(std::span<const HttpField> fields);
  HttpHeaders(const HttpHeaders& other);
  HttpHeaders(HttpHeaders&& other) noexcept;
  HttpHeaders& operator=(const HttpHeaders& other);
  HttpHeaders& operator=(HttpHeaders&& other) noexcept;
  ~HttpHeaders() = default;

  // Appends a field, copying its bytes; `name` and `value` must not view this object.
  void add(std::string_view name, std::string_view value);
  [[nodiscard]] std::span<const HttpField> fields() const { return fields_; }
  [[nodiscard]] size_t size() const { return fields_.size(); }

  // Values of every field named `name` (case-insensitive), in order.
  [[nodiscard]] std::vector<std::string_view> all(std::string_view name) const;
  [[nodiscard]] size_t count(std::string_view name) const;
  // The value when the field occurs exactly once.
  [[nodiscard]] std::optional<std::string_view> single(std::string_view name) const;

 private:
  friend class HttpHeadParser;
  // Points the fields, which view the buffer at address `old_base`, at the same offsets in bytes_.
  void rebase(std::uintptr_t old_base);

  std::string bytes_;  // a parsed head's bytes, or the names and values added
  std::vector<HttpField> fields_;
};

struct HttpRequest {
  std::string method;
  std::string target;
  int version_minor = 1;  // HTTP/1.x
  HttpHeaders headers;
};

struct HttpResponse {
  int version_minor = 1;
  int status = 0;
  std::string reason;
  HttpHeaders headers;
};

struct HttpLimits {
  size_t max_head_bytes = 8192;  // request/status line plus headers, as python-websockets
  size_t max_header_count = 128;
};

enum class HttpKind : uint8_t { request, response };

class HttpHeadParser {
 public:
  enum class Status : uint8_t { incomplete, complete, error };

  explicit HttpHeadParser(HttpKind kind, HttpLimits limits = {}) : kind_(kind), limits_(limits) {}

  // Consumes bytes up to and including the empty line that ends the head; returns how many it
  // took, so the caller keeps what follows.
  size_t feed(std::span<const uint8_t> bytes);
  [[nodiscard]] Status status() const { return status_; }
  [[nodiscard]] const Error& error() const { return error_; }
  [[nodiscard]] const HttpRequest& request() const { return request_; }
  [[nodiscard]] const HttpResponse& response() const { return response_; }
  // The head's bytes as received (up to its empty line once complete): evidence for reports.
  [[nodiscard]] std::string_view raw() const;

 private:
  void parse_head();

  HttpKind kind_;
  HttpLimits limits_;
  Status status_ = Status::incomplete;
  std::string head_;  // until the head is complete; then its headers hold the bytes
  Error error_;
  HttpRequest request_;
  HttpResponse response_;
};

// Splits a comma-separated header value into its elements, trimmed; empty elements dropped
// (RFC 9110 5.6.1).
std::vector<std::string_view> split_list(std::string_view value);
bool iequals(std::string_view a, std::string_view b);
// The Error for a head rule broken by a message of `kind`: a request is answered with the rule's
// HTTP status; a response fails the client's connection instead (1002, RFC 6455 4.1).
Error head_error(HttpKind kind, Rule rule);
// True when a field named `name` lists `token` (case-insensitive), across repeated fields
// (RFC 9110 5.3: a repeated list field is one list).
bool contains_token(const HttpHeaders& headers, std::string_view name, std::string_view token);
// True when the list field value `value` has `token` as an element (case-insensitive).
bool list_contains(std::string_view value, std::string_view token);

// --- writing ---

// The reason phrase wsprobe writes for `status` (RFC 9110 15); "" for a status it never writes.
std::string_view reason_phrase(int status);

// The status line of a response to write; the reason is taken from reason_phrase() when empty.
struct StatusLine {
  int status = 0;
  std::string_view reason = {};
  int version_minor = 1;
};

// Every HTTP answer wsprobe writes goes through here: the status line, the headers in order, then
// Content-Length and the body, except for 1xx and 204, which carry neither (RFC 9110 8.6). One
// allocation, for the answer itself.
std::string serialize_response(StatusLine line, std::span<const HttpField> headers,
                               std::string_view body = {});
inline std::string serialize_response(StatusLine line, std::initializer_list<HttpField> headers,
                                      std::string_view body = {}) {
  return serialize_response(line, std::span<const HttpField>(headers.begin(), headers.size()),
                            body);
}

// A request line and headers, written as given (the version too, so a tester can send
// "HTTP/1.0" or garbage), then the empty line (RFC 9112 3).
std::string serialize_request(std::string_view method, std::string_view target,
                              std::string_view version, std::span<const HttpField> headers);

// Feeds `head` and keeps every byte after the head (and everything fed once it is complete) in
// `rest`: the first frames, for the frame reader (RFC 6455 4.1: frames may follow at once).
HttpHeadParser::Status feed_head(HttpHeadParser& head, std::span<const uint8_t> bytes,
                                 std::vector<uint8_t>& rest);

}  // namespace wsprobe::codec
