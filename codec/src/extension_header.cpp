#include "wsprobe/extension_header.hpp"

#include "ascii.hpp"

namespace wsprobe::codec {
namespace {

using ascii::is_token;

// Parses `name *( ";" param )` elements separated by commas (RFC 6455 9.1), where a param is
// `token [ "=" ( token | quoted-string ) ]`.
class ExtensionScanner {
 public:
  explicit ExtensionScanner(std::string_view s) : s_(s) {}

  // Appends every element to `out`; with no `out`, only checks the grammar (nothing is copied:
  // a server checks every offer but builds them only to negotiate).
  bool parse(std::vector<ExtensionOffer>* out) {
    for (;;) {
      skip_ows();
      if (at_end()) return true;
      if (peek() == ',') {  // RFC 9110 5.6.1: empty list elements are allowed and ignored
        ++i_;
        continue;
      }
      ExtensionOffer offer;
      const bool keep = out != nullptr;
      if (!token(keep ? &offer.name : nullptr)) return false;
      for (;;) {
        skip_ows();
        if (at_end() || peek() == ',') break;
        if (peek() != ';') return false;
        ++i_;
        skip_ows();
        std::string name;
        std::string value;
        if (!token(keep ? &name : nullptr)) return false;
        skip_ows();
        if (!at_end() && peek() == '=') {
          ++i_;
          skip_ows();
          const bool is_quoted = !at_end() && peek() == '"';
          if (is_quoted ? !quoted(keep ? &value : nullptr) : !token(keep ? &value : nullptr)) {
            return false;
          }
        }
        if (keep) offer.params.emplace_back(std::move(name), std::move(value));
      }
      if (keep) out->push_back(std::move(offer));
    }
  }

 private:
  [[nodiscard]] bool at_end() const { return i_ >= s_.size(); }
  [[nodiscard]] char peek() const { return s_[i_]; }
  void skip_ows() {
    while (!at_end() && (peek() == ' ' || peek() == '\t'))
      ++i_;
  }
  bool token(std::string* out) {
    const size_t start = i_;
    i_ += ascii::tchar_prefix(s_.substr(i_));
    if (out != nullptr) out->assign(s_.substr(start, i_ - start));
    return i_ != start;
  }
  bool quoted(std::string* out) {
    ++i_;  // opening quote
    // RFC 6455 9.1: a quoted value must itself be a token once unquoted.
    bool all_tchar = true;
    size_t length = 0;
    while (!at_end() && peek() != '"') {
      if (peek() == '\\') ++i_;
      if (at_end()) return false;
      all_tchar = all_tchar && ascii::is(peek(), ascii::tchar);
      ++length;
      if (out != nullptr) out->push_back(peek());
      ++i_;
    }
    if (at_end()) return false;
    ++i_;  // closing quote
    return all_tchar && length != 0;
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

Expected<std::vector<ExtensionOffer>> parse_extensions(const HttpHeaders& headers) {
  std::vector<ExtensionOffer> offers;
  for (const auto& field : headers.fields()) {
    if (!iequals(field.name, "Sec-WebSocket-Extensions")) continue;
    if (!ExtensionScanner(field.value).parse(&offers)) {
      return error_of(Rule::handshake_bad_extensions);
    }
  }
  return offers;
}

Expected<std::vector<ExtensionOffer>> parse_extensions(std::string_view list) {
  std::vector<ExtensionOffer> offers;
  if (!ExtensionScanner(list).parse(&offers)) return error_of(Rule::handshake_bad_extensions);
  return offers;
}

bool is_valid_extension_list(std::string_view list) {
  return ExtensionScanner(list).parse(nullptr);
}

std::string format_extension(const ExtensionOffer& element) {
  std::string s = element.name;
  for (const auto& [name, value] : element.params) {
    s += "; ";
    s += name;
    if (!value.empty()) s += "=" + value;
  }
  return s;
}

Expected<std::vector<std::string>> parse_subprotocols(const HttpHeaders& headers) {
  std::vector<std::string> protocols;
  for (const auto& field : headers.fields()) {
    if (!iequals(field.name, "Sec-WebSocket-Protocol")) continue;
    for (std::string_view item : split_list(field.value)) {
      if (!is_token(item)) return error_of(Rule::handshake_bad_subprotocol);
      protocols.emplace_back(item);
    }
  }
  return protocols;
}

}  // namespace wsprobe::codec
