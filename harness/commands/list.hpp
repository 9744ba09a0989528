#pragma once
// `wsprobe list`: the catalogue's areas with their case counts (per role) and id groups, the
// friendly overview; `wsprobe cases` lists every case, `wsprobe explain ID` explains one.

#include "engine/catalogue.hpp"

namespace wsprobe::harness {

// 0, or 2 when the catalogue does not load.
int list_areas(const CatalogueOptions& options);

}  // namespace wsprobe::harness
