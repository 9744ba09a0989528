// Case ids and Autobahn's selection rules: numeric id order, globs, roles.

#include <algorithm>
#include <regex>

#include "engine/catalogue.hpp"

namespace wsprobe::harness {
namespace {

std::vector<long> id_parts(const std::string& id) {
  std::vector<long> parts;
  std::stringstream s(id);
  for (std::string p; std::getline(s, p, '.');)
    parts.push_back(std::strtol(p.c_str(), nullptr, 10));
  return parts;
}

std::regex glob_regex(const std::string& pattern) {
  std::string re;
  for (char ch : pattern) {
    if (ch == '*') {
      re += ".*";
    } else if (std::string_view(".+?()[]{}|^$\\").find(ch) != std::string_view::npos) {
      re += '\\';
      re += ch;
    } else {
      re += ch;
    }
  }
  return std::regex(re);
}

bool matches(const std::string& id, const std::string& pattern) {
  if (pattern.find('*') == std::string::npos) return id == pattern;
  return std::regex_search(id, glob_regex(pattern), std::regex_constants::match_continuous);
}

}  // namespace

bool id_less(const std::string& a, const std::string& b) {
  return id_parts(a) < id_parts(b);
}

std::vector<const Case*> select_cases(const Catalogue& catalogue,
                                      const std::vector<std::string>& include,
                                      const std::vector<std::string>& exclude, PeerRole peer) {
  std::vector<const Case*> out;
  for (const auto& c : catalogue.cases) {
    if (!(peer == PeerRole::server ? c.for_server : c.for_client)) continue;
    const bool in = include.empty() || std::any_of(include.begin(), include.end(),
                                                   [&](const auto& p) { return matches(c.id, p); });
    const bool out_ = std::any_of(exclude.begin(), exclude.end(),
                                  [&](const auto& p) { return matches(c.id, p); });
    if (in && !out_) out.push_back(&c);
  }
  return out;
}

}  // namespace wsprobe::harness
