#pragma once
// `wsprobe explain ID...`: a case in words (RFC section, requirement and sentence, what it sends,
// what it expects), for a reader of a failed verdict who does not want to read the case file.

#include <string>
#include <vector>

#include "engine/catalogue.hpp"

namespace wsprobe::harness {

// 0; 2 when the catalogue does not load or an id names no case.
int explain(const CatalogueOptions& options, const std::vector<std::string>& ids);

}  // namespace wsprobe::harness
