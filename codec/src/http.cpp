#include "wsprobe/http.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>

#include "ascii.hpp"
#include "head_scan.hpp"

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
  if (a.size() != b.size()) return false;
  // Peers nearly always spell names and tokens as the RFCs do: eight bytes at a time while they
  // match exactly (no memcmp call for these short strings), then byte by byte, folding case,
  // from the first difference.
  size_t i = 0;
  for (; i + 8 <= a.size(); i += 8) {
    uint64_t x = 0;
    uint64_t y = 0;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) break;
  }
  for (; i < a.size(); ++i) {
    if (ascii::to_lower(a[i]) != ascii::to_lower(b[i])) return false;
  }
  return true;
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

bool list_contains(std::string_view value, std::string_view token) {
  return any_list_item(value, [&](std::string_view item) { return iequals(item, token); });
}

bool contains_token(const HttpHeaders& headers, std::string_view name, std::string_view token) {
  const auto fields = headers.fields();
  return std::any_of(fields.begin(), fields.end(), [&](const HttpField& field) {
    return iequals(field.name, name) && list_contains(field.value, token);
  });
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

namespace {

// Decimal digits, formatted on the stack (no std::to_string temporary).
struct Number {
  explicit Number(size_t n)
      : size(static_cast<size_t>(std::to_chars(digits, digits + 20, n).ptr - digits)) {}
  [[nodiscard]] std::string_view view() const { return {digits, size}; }
  char digits[20] = {};
  size_t size;
};

// Writes a message into a string sized once beforehand: one allocation, and a memcpy per piece
// without append()'s capacity checks.
class Writer {
 public:
  Writer(std::string& out, size_t size) : out_(out) {
    out.resize(size);
    at_ = out.data();
  }
  Writer& operator<<(std::string_view s) {
    at_ = std::copy(s.begin(), s.end(), at_);  // not memcpy: an empty view's data() may be null
    return *this;
  }
  void fields(std::span<const HttpField> headers) {
    for (const auto& field : headers)
      *this << field.name << ": " << field.value << crlf;
  }
  // Trims what was sized but not written.
  void finish() { out_.resize(static_cast<size_t>(at_ - out_.data())); }

 private:
  std::string& out_;
  char* at_;
};

size_t fields_size(std::span<const HttpField> headers) {
  size_t size = 0;
  for (const auto& field : headers)
    size += field.name.size() + field.value.size() + 4;
  return size;
}

}  // namespace

std::string serialize_response(StatusLine line, std::span<const HttpField> headers,
                               std::string_view body) {
  const std::string_view reason = line.reason.empty() ? reason_phrase(line.status) : line.reason;
  const Number version(static_cast<size_t>(line.version_minor));
  const Number status(static_cast<size_t>(line.status));
  // RFC 9110 8.6: no Content-Length in a 1xx or 204 response; every other answer delimits its
  // body, even an empty one, so the peer does not read until the connection closes.
  const bool bodiless = line.status < 200 || line.status == 204;
  const Number length(body.size());
  constexpr std::string_view content_length = "Content-Length: ";
  std::string out;
  Writer w(out, 7 + version.size + 1 + status.size + 1 + reason.size() + 2 + fields_size(headers) +
                    (bodiless ? 0 : content_length.size() + length.size + 2 + body.size()) + 2);
  w << "HTTP/1." << version.view() << " " << status.view() << " " << reason << crlf;
  w.fields(headers);
  if (!bodiless) w << content_length << length.view() << crlf;
  w << crlf;
  if (!bodiless) w << body;
  w.finish();
  return out;
}

std::string serialize_request(std::string_view method, std::string_view target,
                              std::string_view version, std::span<const HttpField> headers) {
  std::string out;
  Writer w(out, method.size() + target.size() + version.size() + 6 + fields_size(headers));
  w << method << " " << target << " " << version << crlf;
  w.fields(headers);
  w << crlf;
  w.finish();
  return out;
}

namespace {

// A buffer's address as a number: the fields' offsets are taken against a buffer that a move or
// a growth has just handed over or replaced.
std::uintptr_t address(const char* p) {
  return reinterpret_cast<std::uintptr_t>(p);
}

}  // namespace

HttpHeaders::HttpHeaders(std::span<const HttpField> fields) {
  size_t size = 0;
  for (const auto& field : fields)
    size += field.name.size() + field.value.size();
  bytes_.reserve(size);
  fields_.reserve(fields.size());
  for (const auto& field : fields)
    add(field.name, field.value);
}

HttpHeaders::HttpHeaders(const HttpHeaders& other) : bytes_(other.bytes_), fields_(other.fields_) {
  rebase(address(other.bytes_.data()));
}

HttpHeaders::HttpHeaders(HttpHeaders&& other) noexcept {
  *this = std::move(other);
}

HttpHeaders& HttpHeaders::operator=(const HttpHeaders& other) {
  if (this != &other) {
    bytes_ = other.bytes_;
    fields_ = other.fields_;
    rebase(address(other.bytes_.data()));
  }
  return *this;
}

HttpHeaders& HttpHeaders::operator=(HttpHeaders&& other) noexcept {
  if (this != &other) {
    // A short buffer moves by copy (the small-string buffer), a long one keeps its address.
    const std::uintptr_t old_base = address(other.bytes_.data());
    bytes_ = std::move(other.bytes_);
    fields_ = std::move(other.fields_);
    rebase(old_base);
    other.bytes_.clear();
    other.fields_.clear();
  }
  return *this;
}

void HttpHeaders::rebase(std::uintptr_t old_base) {
  const char* base = bytes_.data();
  if (address(base) == old_base) return;
  const auto moved = [&](std::string_view v) {
    return std::string_view(base + (address(v.data()) - old_base), v.size());
  };
  for (auto& field : fields_)
    field = HttpField(moved(field.name), moved(field.value));
}

void HttpHeaders::add(std::string_view name, std::string_view value) {
  const size_t at = bytes_.size();
  const size_t needed = at + name.size() + value.size();
  if (needed > bytes_.capacity()) {
    // Grown by hand, so the old buffer is still alive while the fields are re-pointed.
    std::string grown;
    grown.reserve(std::max(needed, 2 * bytes_.capacity()));
    grown.append(bytes_);
    const std::uintptr_t old_base = address(bytes_.data());
    bytes_.swap(grown);
    rebase(old_base);
  }
  bytes_.append(name).append(value);
  const std::string_view all(bytes_);
  fields_.emplace_back(all.substr(at, name.size()), all.substr(at + name.size(), value.size()));
}

std::vector<std::string_view> HttpHeaders::all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& f : fields_) {
    if (iequals(f.name, name)) out.emplace_back(f.value);
  }
  return out;
}

size_t HttpHeaders::count(std::string_view name) const {
  return static_cast<size_t>(std::count_if(
      fields_.begin(), fields_.end(), [&](const HttpField& f) { return iequals(f.name, name); }));
}

std::optional<std::string_view> HttpHeaders::single(std::string_view name) const {
  std::optional<std::string_view> found;
  for (const auto& f : fields_) {
    if (!iequals(f.name, name)) continue;
    if (found) return std::nullopt;  // repeated
    found = f.value;
  }
  return found;
}

std::string_view HttpHeadParser::raw() const {
  if (status_ != Status::complete) return head_;
  return kind_ == HttpKind::request ? request_.headers.bytes_ : response_.headers.bytes_;
}

size_t HttpHeadParser::feed(std::span<const uint8_t> bytes) {
  if (status_ != Status::incomplete) return 0;
  const size_t old = head_.size();
  // Never hold more than the limit (plus the terminator): the peer cannot grow this buffer.
  const size_t room = limits_.max_head_bytes + end_of_head.size() - old;
  const size_t take = std::min(bytes.size(), room);
  head_.append(reinterpret_cast<const char*>(bytes.data()), take);
  // The head ends at the first CRLF CRLF or, as an error, at the first LF LF. Both start with
  // an LF followed by CR or LF, which inside a head only its end has; whichever starts first
  // completes first. The pair may straddle the previous feed.
  size_t pos = std::string::npos;
  size_t bare = std::string::npos;
  const size_t n = head_.size();
  for (size_t lf = end_candidate(head_.data(), old >= 2 ? old - 2 : 0, n); lf < n;
       lf = end_candidate(head_.data(), lf + 1, n)) {
    if (head_[lf + 1] == '\n') {
      bare = lf;
      break;
    }
    if (lf + 2 == n) break;  // CR, LF still to come
    if (lf >= 1 && head_[lf - 1] == '\r' && head_[lf + 2] == '\n') {
      pos = lf - 1;
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
  HttpHeaders& headers = is_request ? request_.headers : response_.headers;
  std::string_view head(head_);
  head.remove_suffix(end_of_head.size() - crlf.size());  // keep one CRLF to end the last line
  // A NUL anywhere is the head's error, whatever else is wrong with it. A clean line (below) has
  // none, so the head is searched only when it fails or has a line that is not clean.
  const std::string_view whole = head;
  bool all_clean = true;
  auto fail = [&](Rule rule) {
    status_ = Status::error;
    const bool nul = whole.find('\0') != std::string_view::npos;
    error_ = head_error(kind_, nul ? Rule::http_nul_in_head : rule);
    headers.fields_.clear();  // they view head_, which a failed head keeps
  };

  // The next line and whether its bytes are all allowed (no CR, LF or other control character
  // before its CRLF); only a line that is not goes through the byte-by-byte checks below.
  const HeadScan scan(whole);
  bool clean = false;
  auto next_line = [&]() __attribute__((always_inline)) {
    const size_t at = whole.size() - head.size();
    const size_t special = scan.next_special(at) - at;
    clean = special + 1 < head.size() && head[special] == '\r' && head[special + 1] == '\n';
    all_clean = all_clean && clean;
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

  headers.fields_.reserve(16);
  while (!head.empty()) {
    const std::string_view line = next_line();
    if (!clean && has_cr_or_lf(line)) {
      return fail(Rule::http_bare_cr_or_lf);
    }
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      return fail(Rule::http_obsolete_line_folding);
    }
    // RFC 9112 5: field-name ":" -- the name's first byte that is not a tchar is the colon.
    const size_t line_at = static_cast<size_t>(line.data() - whole.data());
    const size_t colon = std::min(scan.next_non_tchar(line_at) - line_at, line.size());
    if (colon == 0 || colon == line.size() || line[colon] != ':') {
      return fail(Rule::http_malformed_header);
    }
    const std::string_view value = trim(line.substr(colon + 1));
    if (!clean && std::any_of(value.begin(), value.end(), ascii::is_field_ctl)) {
      return fail(Rule::http_control_character);
    }
    if (headers.fields_.size() == limits_.max_header_count) {
      return fail(Rule::http_too_many_headers);
    }
    headers.fields_.emplace_back(line.substr(0, colon), value);
  }
  if (!all_clean && whole.find('\0') != std::string_view::npos) {
    return fail(Rule::http_nul_in_head);
  }
  // The fields view head_; the headers take its bytes (no copy) and keep them for raw().
  const std::uintptr_t base = address(head_.data());
  headers.bytes_ = std::move(head_);
  headers.rebase(base);
  head_.clear();
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
