#include <cstdio>
#include <map>

#include "report/report.hpp"

namespace wsprobe::harness {

size_t print_summary(const Catalogue& catalogue, const std::vector<ServerRun>& runs, bool color) {
  const char* red = color ? "\033[31m" : "";
  const char* yellow = color ? "\033[33m" : "";
  const char* green = color ? "\033[32m" : "";
  const char* off = color ? "\033[0m" : "";
  size_t failures = 0;
  for (const auto& run : runs) {
    struct Counts {
      size_t ok = 0, non_strict = 0, info = 0, unimpl = 0, failed = 0;
    };
    std::map<std::string, Counts> by_area;
    Counts total;
    for (size_t i = 0; i < run.results.size(); ++i) {
      const auto& r = run.results[i];
      auto& c = by_area[run.cases[i]->area];
      auto bump = [&](size_t Counts::*field) {
        ++(c.*field);
        ++(total.*field);
      };
      if (r.failed()) {
        bump(&Counts::failed);
      } else if (r.behavior == Behavior::non_strict) {
        bump(&Counts::non_strict);
      } else if (r.behavior == Behavior::informational) {
        bump(&Counts::info);
      } else if (r.behavior == Behavior::unimplemented) {
        bump(&Counts::unimpl);
      } else {
        bump(&Counts::ok);
      }
    }
    std::printf("\n%s (%s): %zu cases in %.1f s\n", run.agent.c_str(), run.url.str().c_str(),
                run.results.size(), run.seconds);
    std::printf("  %-26s %6s %11s %6s %7s\n", "area", "OK", "NON-STRICT", "INFO", "FAILED");
    for (const auto& [area, c] : by_area) {
      const auto title =
          catalogue.area_titles.count(area) != 0 ? catalogue.area_titles.at(area) : area;
      std::printf("  %-26s %6zu %11zu %6zu %s%7zu%s\n", title.c_str(), c.ok, c.non_strict, c.info,
                  c.failed != 0 ? red : "", c.failed, off);
    }
    std::printf("  %-26s %6zu %11zu %6zu %7zu\n", "total", total.ok, total.non_strict, total.info,
                total.failed);
    for (size_t i = 0; i < run.results.size(); ++i) {
      const auto& r = run.results[i];
      const auto* c = run.cases[i];
      if (r.failed()) {
        std::printf("  %sFAILED%s     %-8s %-15s %s\n    %s\n", red, off, c->id.c_str(),
                    rfc_reference(*c).c_str(), c->description.c_str(), r.reason.c_str());
      } else if (r.behavior == Behavior::non_strict) {
        std::printf("  %sNON-STRICT%s %-8s %-15s %s\n", yellow, off, c->id.c_str(),
                    rfc_reference(*c).c_str(), r.reason.c_str());
      }
    }
    if (total.failed == 0) std::printf("  %sno case FAILED%s\n", green, off);
    failures += total.failed;
  }
  return failures;
}

}  // namespace wsprobe::harness
