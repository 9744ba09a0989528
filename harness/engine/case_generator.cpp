#include "engine/case_generator.hpp"

#include <set>

namespace wsprobe::harness::catalogue_detail {
namespace {

using nlohmann::json;

// ${name} in a template: a string that is exactly "${name}" takes the row's value with its JSON
// type (a number stays a number); elsewhere the value is spliced into the string.
json substitute(const json& t, const json& vars, const std::string& where) {
  if (t.is_array()) {
    json out = json::array();
    for (const auto& e : t)
      out.push_back(substitute(e, vars, where));
    return out;
  }
  if (t.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : t.items())
      out[k] = substitute(v, vars, where);
    return out;
  }
  if (!t.is_string()) return t;
  const std::string s = t.get<std::string>();
  std::string out;
  for (size_t at = 0;;) {
    const size_t open = s.find("${", at);
    if (open == std::string::npos) {
      out += s.substr(at);
      break;
    }
    const size_t close = s.find('}', open);
    if (close == std::string::npos) throw CaseError(where + ": unclosed ${ in " + t.dump());
    const std::string name = s.substr(open + 2, close - open - 2);
    if (!vars.contains(name)) throw CaseError(where + ": no column '" + name + "'");
    const json& v = vars[name];
    if (open == 0 && close + 1 == s.size()) return v;
    out += s.substr(at, open - at) + (v.is_string() ? v.get<std::string>() : v.dump());
    at = close + 1;
  }
  return out;
}

}  // namespace

void only_keys(const json& j, std::initializer_list<const char*> keys, const std::string& where) {
  const std::set<std::string> allowed(keys.begin(), keys.end());
  for (const auto& [k, v] : j.items()) {
    if (allowed.count(k) == 0) throw CaseError(where + ": unknown field '" + k + "'");
  }
}

// {"generate": {"tables": [...], "case": {...}, "select": COLUMN, "variants": {...}}}: one case
// per row of the cartesian product of the tables (the first table varies slowest), from the
// template with the row's ${column} values; a row's value in `select` picks a variant whose
// fields are laid over the template.
std::vector<json> expand(const json& g, const std::string& file) {
  const std::string where = file + ": generator";
  only_keys(g, {"tables", "case", "select", "variants"}, where);
  std::vector<json> rows{json::object()};
  for (const auto& table : g.at("tables")) {
    only_keys(table, {"columns", "rows"}, where + " table");
    const auto columns = table.at("columns").get<std::vector<std::string>>();
    std::vector<json> product;
    for (const auto& partial : rows) {
      for (const auto& row : table.at("rows")) {
        if (!row.is_array() || row.size() != columns.size()) {
          throw CaseError(where + ": row " + row.dump() + " has not " +
                          std::to_string(columns.size()) + " values");
        }
        json vars = partial;
        for (size_t i = 0; i < columns.size(); ++i)
          vars[columns[i]] = row[i];
        product.push_back(std::move(vars));
      }
    }
    rows = std::move(product);
  }
  std::vector<json> cases;
  for (const auto& vars : rows) {
    json t = g.at("case");
    if (g.contains("select")) {
      const std::string column = g["select"].get<std::string>();
      if (!vars.contains(column)) throw CaseError(where + ": no column '" + column + "'");
      const std::string variant =
          vars[column].is_string() ? vars[column].get<std::string>() : vars[column].dump();
      if (!g.contains("variants") || !g["variants"].contains(variant))
        throw CaseError(where + ": no variant '" + variant + "'");
      for (const auto& [k, v] : g["variants"][variant].items())
        t[k] = v;
    }
    cases.push_back(substitute(t, vars, where + " row " + vars.dump()));
  }
  return cases;
}

}  // namespace wsprobe::harness::catalogue_detail
