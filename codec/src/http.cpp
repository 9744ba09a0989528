#include "wsprobe/http.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "ascii.hpp"

namespace wsprobe::codec {
namespace {

constexpr std::string_view crlf = "\r\n";
constexpr std::string_view end_of_head = "\r\n\r\n";

using ascii::is_token;

// find_first_of() calls memchr once per character; these run once per byte of the head.
bool has_cr_or_lf(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n'; });
}
bool has_space_or_ctl(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F; });
}

// The index of the first byte of s[0, n) that may not appear inside a header line: a control
// character other than HTAB, or DEL (RFC 9110 5.5); n when there is none. In a well-formed head
// that byte is the CR of the line's CRLF, so one scan finds the line's end and clears its bytes.
// Sixteen bytes at a time through the compiler's vector extensions (SSE2 on x86-64).
size_t first_special(const char* s, size_t n) {
  using V = uint8_t __attribute__((vector_size(16)));
  size_t i = 0;
  for (; i + sizeof(V) <= n; i += sizeof(V)) {
    V v;
    std::memcpy(&v, s + i, sizeof(V));
    const auto hit = ((v < 0x20) & (v != '\t')) | (v == 0x7F);
    uint64_t w[2];
    std::memcpy(w, &hit, sizeof(w));
    if (w[0] != 0) return i + static_cast<size_t>(std::countr_zero(w[0])) / 8;
    if (w[1] != 0) return i + 8 + static_cast<size_t>(std::countr_zero(w[1])) / 8;
  }
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\t') || c == 0x7F) return i;
  }
  return n;
}

std::string_view trim(std::string_view s) {
  const auto ows = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && ows(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && ows(s.back()))
    s.remove_suffix(1);
  return s;
}

// RFC 9112 2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT; only 1.x is ours to parse.
bool parse_version(std::string_view s, int& minor) {
  if (s.size() != 8 || s.substr(0, 7) != "HTTP/1." || !ascii::is(s[7], ascii::digit)) {
    return false;
  }
  minor = s[7] - '0';
  return true;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii::to_lower(x) == ascii::to_lower(y);
         });
}

namespace {

// Calls f(item) for each element of a comma-separated list, trimmed, empty ones skipped
// (RFC 9110 5.6.1), until f returns true; returns whether one did. No allocation: validation
// runs this on every handshake.
template <class F>
bool any_list_item(std::string_view value, F f) {
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    const std::string_view item = trim(value.substr(start, comma - start));
    if (!item.empty() && f(item)) return true;
    start = comma + 1;
  }
  return false;
}

}  // namespace

std::vector<std::string_view> split_list(std::string_view value) {
  std::vector<std::string_view> out;
  any_list_item(value, [&](std::string_view item) {
    out.push_back(item);
    return false;
  });
  return out;
}

Error head_error(HttpKind kind, Rule rule) {
  Error e = error_of(rule);
  if (kind == HttpKind::response) {
    e.close_code = close_code::protocol_error;
    e.http_status = 0;
  }
  return e;
}

bool contains_token(const HttpHeaders& headers, std::string_view name, std::string_view token) {
  for (const auto& field : headers.fields) {
    if (!iequals(field.name, name)) continue;
    if (any_list_item(field.value, [&](std::string_view item) { return iequals(item, token); })) {
      return true;
    }
  }
  return false;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 414:
      return "URI Too Long";  // RFC 9110 15.5.15
    case 426:
      return "Upgrade Required";
    case 431:
      return "Request Header Fields Too Large";  // RFC 6585 5
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";  // RFC 9110 15.6.4
    default:
      return "";
  }
}

HttpResponse http_response(int status, std::vector<HttpHeader> headers) {
  HttpResponse r;
  r.status = status;
  r.reason = reason_phrase(status);
  r.headers.fields = std::move(headers);
  return r;
}

std::string serialize_response(const HttpResponse& response, std::string_view body) {
  const std::string_view reason =
      response.reason.empty() ? reason_phrase(response.status) : response.reason;
  size_t size = 32 + reason.size() + body.size();  // status line, Content-Length, final CRLF
  for (const auto& field : response.headers.fields)
    size += field.name.size() + field.value.size() + 4;
  std::string out;
  out.reserve(size);  // one allocation per answer
  out += "HTTP/1.";
  out += std::to_string(response.version_minor);
  out += ' ';
  out += std::to_string(response.status);
  out += ' ';
  out += reason;
  out += crlf;
  for (const auto& field : response.headers.fields) {
    out += field.name;
    out += ": ";
    out += field.value;
    out += crlf;
  }
  // RFC 9110 8.6: no Content-Length in a 1xx or 204 response; every other answer delimits its
  // body, even an empty one, so the peer does not read until the connection closes.
  const bool bodiless = response.status < 200 || response.status == 204;
  if (!bodiless) {
    out += "Content-Length: ";
    out += std::to_string(body.size());
    out += crlf;
  }
  out += crlf;
  if (!bodiless) out += body;
  return out;
}

std::string serialize_request(std::string_view method, std::string_view target,
                              std::string_view version, const std::vector<HttpHeader>& headers) {
  std::string out;
  out.append(method).append(" ").append(target).append(" ").append(version).append(crlf);
  for (const auto& field : headers)
    out.append(field.name).append(": ").append(field.value).append(crlf);
  out += crlf;
  return out;
}

std::vector<std::string_view> HttpHeaders::all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& f : fields) {
    if (iequals(f.name, name)) out.emplace_back(f.value);
  }
  return out;
}

size_t HttpHeaders::count(std::string_view name) const {
  return static_cast<size_t>(std::count_if(
      fields.begin(), fields.end(), [&](const HttpHeader& f) { return iequals(f.name, name); }));
}

std::optional<std::string_view> HttpHeaders::single(std::string_view name) const {
  std::optional<std::string_view> found;
  for (const auto& f : fields) {
    if (!iequals(f.name, name)) continue;
    if (found) return std::nullopt;  // repeated
    found = f.value;
  }
  return found;
}

size_t HttpHeadParser::feed(std::span<const uint8_t> bytes) {
  if (status_ != Status::incomplete) return 0;
  const size_t old = head_.size();
  // Never hold more than the limit (plus the terminator): the peer cannot grow this buffer.
  const size_t room = limits_.max_head_bytes + end_of_head.size() - old;
  const size_t take = std::min(bytes.size(), room);
  head_.append(reinterpret_cast<const char*>(bytes.data()), take);
  // The head ends at the first CRLF CRLF or, as an error, at the first LF LF; every new LF is
  // where either can complete (they never complete at the same LF, and whichever starts first
  // completes first).
  size_t pos = std::string::npos;
  size_t bare = std::string::npos;
  for (size_t lf = head_.find('\n', old); lf != std::string::npos; lf = head_.find('\n', lf + 1)) {
    if (lf >= 1 && head_[lf - 1] == '\n') {
      bare = lf - 1;
      break;
    }
    if (lf >= 3 && head_.compare(lf - 3, 4, end_of_head) == 0) {
      pos = lf - 3;
      break;
    }
  }
  if (bare != std::string::npos) {
    // A head ended by bare LFs would otherwise wait for a CRLF CRLF that never comes.
    status_ = Status::error;
    error_ = head_error(kind_, Rule::http_bare_lf);
    head_.resize(bare + 2);
    return bare + 2 - old;  // up to the offending LFs, whatever the split
  }
  if (pos == std::string::npos) {
    if (head_.size() >= limits_.max_head_bytes + end_of_head.size()) {
      status_ = Status::error;
      // RFC 9112 3: a request-target longer than the server wishes to parse is answered 414; a
      // request line that alone fills the limit is that.
      const bool line_too_long = head_.find(crlf) == std::string::npos;
      error_ = error_of(kind_ == HttpKind::response ? Rule::http_response_head_too_large
                        : line_too_long             ? Rule::http_request_target_too_long
                                                    : Rule::http_request_head_too_large);
    }
    return take;
  }
  const size_t end = pos + end_of_head.size();
  head_.resize(end);
  parse_head();
  return end - old;
}

void HttpHeadParser::parse_head() {
  const bool is_request = kind_ == HttpKind::request;
  auto fail = [&](Rule rule) {
    status_ = Status::error;
    error_ = head_error(kind_, rule);
  };
  std::string_view head(head_);
  head.remove_suffix(end_of_head.size() - crlf.size());  // keep one CRLF to end the last line
  if (head.find('\0') != std::string_view::npos) return fail(Rule::http_nul_in_head);

  // The next line and whether its bytes are all allowed (no CR, LF or other control character
  // before its CRLF); only a line that is not goes through the byte-by-byte checks below.
  bool clean = false;
  auto next_line = [&] {
    const size_t special = first_special(head.data(), head.size());
    clean = special + 1 < head.size() && head[special] == '\r' && head[special + 1] == '\n';
    const size_t eol = clean ? special : head.find(crlf);
    const std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol + crlf.size());
    return line;
  };

  const std::string_view start_line = next_line();
  if (!clean && has_cr_or_lf(start_line)) {
    return fail(Rule::http_bare_cr_or_lf);
  }

  // RFC 9112 3 (request-line) and 4 (status-line): single spaces between the parts.
  const size_t sp1 = start_line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : start_line.find(' ', sp1 + 1);
  if (is_request) {
    if (sp2 == std::string_view::npos) return fail(Rule::http_malformed_request_line);
    request_.method = start_line.substr(0, sp1);
    request_.target = start_line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (!is_token(request_.method) || request_.target.empty() ||
        has_space_or_ctl(request_.target) ||
        !parse_version(start_line.substr(sp2 + 1), request_.version_minor)) {
      return fail(Rule::http_malformed_request_line);
    }
  } else {
    if (sp1 == std::string_view::npos ||
        !parse_version(start_line.substr(0, sp1), response_.version_minor)) {
      return fail(Rule::http_malformed_status_line);
    }
    const std::string_view code =
        start_line.substr(sp1 + 1, sp2 == std::string_view::npos ? sp2 : sp2 - sp1 - 1);
    if (code.size() != 3 || !ascii::all_of(code, ascii::digit)) {
      return fail(Rule::http_malformed_status_line);
    }
    response_.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
    if (sp2 != std::string_view::npos) response_.reason = start_line.substr(sp2 + 1);
  }

  HttpHeaders& headers = is_request ? request_.headers : response_.headers;
  headers.fields.reserve(16);
  while (!head.empty()) {
    const std::string_view line = next_line();
    if (!clean && has_cr_or_lf(line)) {
      return fail(Rule::http_bare_cr_or_lf);
    }
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      return fail(Rule::http_obsolete_line_folding);
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
      return fail(Rule::http_malformed_header);
    }
    const std::string_view value = trim(line.substr(colon + 1));
    if (!clean && std::any_of(value.begin(), value.end(), [](char c) {
          const auto u = static_cast<unsigned char>(c);
          return (u < 0x20 && c != '\t') || u == 0x7F;
        })) {
      return fail(Rule::http_control_character);
    }
    if (headers.fields.size() == limits_.max_header_count) {
      return fail(Rule::http_too_many_headers);
    }
    headers.fields.push_back(HttpHeader{std::string(line.substr(0, colon)), std::string(value)});
  }
  status_ = Status::complete;
}

HttpHeadParser::Status feed_head(HttpHeadParser& head, std::span<const uint8_t> bytes,
                                 std::vector<uint8_t>& rest) {
  if (head.status() == HttpHeadParser::Status::incomplete) {
    const size_t used = head.feed(bytes);
    if (head.status() != HttpHeadParser::Status::complete) return head.status();
    bytes = bytes.subspan(used);
  }
  if (head.status() == HttpHeadParser::Status::complete)
    rest.insert(rest.end(), bytes.begin(), bytes.end());
  return head.status();
}

}  // namespace wsprobe::codec
