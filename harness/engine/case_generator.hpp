#pragma once
// The catalogue's generators: one case per row of value tables (conformance/cases/README.md,
// "generate"), and the helpers the loader and they share. Internal to engine/catalogue*.cpp.

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace wsprobe::harness::catalogue_detail {

// Thrown inside the loader only; load_catalogue turns it into an error message.
struct CaseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Fails on a field not in `keys`: a misspelt field must not be silently ignored.
void only_keys(const nlohmann::json& j, std::initializer_list<const char*> keys,
               const std::string& where);

// {"generate": {"tables": [...], "case": {...}, "select": COLUMN, "variants": {...}}}: the cases
// it stands for, as case JSON (see expand in case_generator.cpp).
std::vector<nlohmann::json> expand(const nlohmann::json& g, const std::string& file);

}  // namespace wsprobe::harness::catalogue_detail
