#pragma once
// Progress of a run as cases finish. On a terminal: one live line. In CI logs (not a terminal):
// one line per area as its last case finishes, with its counts, so a log holds a dozen lines per
// server instead of one per case. Verbose (-v): one line per case, terminal or not.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/catalogue.hpp"
#include "engine/result.hpp"

namespace wsprobe::harness {

class Progress {
 public:
  enum class Mode : uint8_t { live, per_area, per_case };
  static Mode mode_for(bool tty, bool verbose);

  // `cases`: the cases the run selected (each area's line waits for all of its cases).
  Progress(const Catalogue& catalogue, std::string agent, const std::vector<const Case*>& cases,
           Mode mode);
  // Thread-safe: parallel workers report here.
  void done(const Case& c, const CaseResult& r);

 private:
  struct Area {
    size_t total = 0;
    size_t finished = 0;
    std::map<std::string, size_t> by_headline;  // "OK" -> 12, "FAILED" -> 2
    std::vector<std::string> failed_ids;
    double slowest = 1e300;  // MB/s of its cases with a throughput (none: fastest stays 0)
    double fastest = 0;
  };
  void print_area(const std::string& area, const Area& a) const;

  std::mutex mu_;
  const Catalogue& catalogue_;
  std::string agent_;
  Mode mode_;
  size_t count_ = 0;
  size_t total_;
  std::map<std::string, Area> areas_;
};

}  // namespace wsprobe::harness
