#include "commands/list.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace wsprobe::harness {

int list_areas(const CatalogueOptions& options) {
  std::string error;
  const auto catalogue = load_catalogue(options, error);
  if (!catalogue) {
    (void)std::fprintf(stderr, "wsprobe list: %s\n", error.c_str());
    return 2;
  }
  struct Area {
    std::string name;
    size_t cases = 0, server = 0, client = 0;
    std::vector<std::string> groups;  // the ids' first numbers, as globs: "1.*", "15.*"
  };
  std::vector<Area> areas;  // in the order of their first case (the catalogue is sorted by id)
  for (const auto& c : catalogue->cases) {
    auto it =
        std::find_if(areas.begin(), areas.end(), [&](const Area& a) { return a.name == c.area; });
    if (it == areas.end()) it = areas.insert(areas.end(), Area{c.area, 0, 0, 0, {}});
    ++it->cases;
    it->server += c.for_server ? 1 : 0;
    it->client += c.for_client ? 1 : 0;
    const std::string group = c.id.substr(0, c.id.find('.')) + ".*";
    if (std::find(it->groups.begin(), it->groups.end(), group) == it->groups.end())
      it->groups.push_back(group);
  }
  auto title_of = [&](const std::string& area) {
    return catalogue->area_titles.count(area) != 0 ? catalogue->area_titles.at(area) : area;
  };
  int width = 5;
  for (const auto& a : areas)
    width = std::max(width, static_cast<int>(title_of(a.name).size()));
  std::printf("%-14s %-*s %6s %7s %7s  %s\n", "area", width, "title", "cases", "server", "client",
              "ids");
  Area total;
  for (const auto& a : areas) {
    std::string groups;
    for (const auto& g : a.groups)
      groups += (groups.empty() ? "" : " ") + g;
    std::printf("%-14s %-*s %6zu %7zu %7zu  %s\n", a.name.c_str(), width, title_of(a.name).c_str(),
                a.cases, a.server, a.client, groups.c_str());
    total.cases += a.cases;
    total.server += a.server;
    total.client += a.client;
  }
  std::printf("%-14s %-*s %6zu %7zu %7zu\n", "total", width, "", total.cases, total.server,
              total.client);
  std::printf(
      "\nserver/client: the cases test-server and test-client run. Next:\n"
      "  wsprobe cases               every case, one line each\n"
      "  wsprobe explain 6.4.1       one case in words\n"
      "  wsprobe test-server URL --cases '6.*'   run one area's cases\n");
  return 0;
}

}  // namespace wsprobe::harness
