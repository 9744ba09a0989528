#include "commands/explain.hpp"

#include <algorithm>
#include <cstdio>

#include "report/case_words.hpp"

namespace wsprobe::harness {

int explain(const CatalogueOptions& options, const std::vector<std::string>& ids) {
  std::string error;
  const auto catalogue = load_catalogue(options, error);
  if (!catalogue) {
    (void)std::fprintf(stderr, "wsprobe explain: %s\n", error.c_str());
    return 2;
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto it = std::find_if(catalogue->cases.begin(), catalogue->cases.end(),
                                 [&](const Case& c) { return c.id == ids[i]; });
    if (it == catalogue->cases.end()) {
      (void)std::fprintf(stderr, "wsprobe explain: no case %s ('wsprobe cases' lists them)\n",
                         ids[i].c_str());
      return 2;
    }
    std::printf("%s%s", i == 0 ? "" : "\n", explain_case(*catalogue, *it).c_str());
  }
  return 0;
}

}  // namespace wsprobe::harness
