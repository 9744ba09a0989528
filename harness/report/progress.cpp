#include "report/progress.hpp"

#include <algorithm>
#include <cstdio>

#include "report/throughput.hpp"

namespace wsprobe::harness {

Progress::Mode Progress::mode_for(bool tty, bool verbose) {
  if (verbose) return Mode::per_case;
  return tty ? Mode::live : Mode::per_area;
}

Progress::Progress(const Catalogue& catalogue, std::string agent,
                   const std::vector<const Case*>& cases, Mode mode)
    : catalogue_(catalogue), agent_(std::move(agent)), mode_(mode), total_(cases.size()) {
  for (const auto* c : cases)
    ++areas_[c->area].total;
}

void Progress::done(const Case& c, const CaseResult& r) {
  const std::lock_guard<std::mutex> lock(mu_);
  ++count_;
  const std::string verdict(headline(r));
  switch (mode_) {
    case Mode::live:
      std::printf("\r\033[K[%zu/%zu] %s %s %s", count_, total_, agent_.c_str(), r.id.c_str(),
                  verdict.c_str());
      if (count_ == total_) std::printf("\n");
      break;
    case Mode::per_case: {
      const auto t = case_throughput(c, r);
      std::printf("[%zu/%zu] %s %s %s%s\n", count_, total_, agent_.c_str(), r.id.c_str(),
                  verdict.c_str(), t ? ("  " + describe_throughput(*t)).c_str() : "");
      break;
    }
    case Mode::per_area: {
      auto& a = areas_[c.area];
      ++a.finished;
      ++a.by_headline[verdict];
      if (r.failed()) a.failed_ids.push_back(r.id);
      if (const auto t = case_throughput(c, r)) {
        a.slowest = std::min(a.slowest, t->megabytes_per_second);
        a.fastest = std::max(a.fastest, t->megabytes_per_second);
      }
      if (a.finished == a.total) print_area(c.area, a);
      break;
    }
  }
  (void)std::fflush(stdout);
}

void Progress::print_area(const std::string& area, const Area& a) const {
  const auto title =
      catalogue_.area_titles.count(area) != 0 ? catalogue_.area_titles.at(area) : area;
  std::string counts;
  for (const char* verdict : {"OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"}) {
    const auto it = a.by_headline.find(verdict);
    if (it != a.by_headline.end())
      counts += (counts.empty() ? "" : ", ") + std::to_string(it->second) + " " + verdict;
  }
  std::string failed;
  constexpr size_t shown = 8;  // a long list is in the summary that follows the run
  for (size_t i = 0; i < a.failed_ids.size() && i < shown; ++i)
    failed += (i == 0 ? " (" : " ") + a.failed_ids[i];
  if (!failed.empty()) failed += a.failed_ids.size() > shown ? " ...)" : ")";
  if (a.fastest > 0) {  // the cases that moved 1 MiB or more (report/throughput.hpp)
    char rates[96];
    (void)std::snprintf(rates, sizeof rates, "; throughput %.1f-%.1f MB/s", a.slowest, a.fastest);
    failed += rates;
  }
  std::printf("[%zu/%zu] %s %s: %zu %s, %s%s\n", count_, total_, agent_.c_str(), title.c_str(),
              a.total, a.total == 1 ? "case" : "cases", counts.c_str(), failed.c_str());
}

}  // namespace wsprobe::harness
