#pragma once
// A case's throughput, for the cases that move large payloads (Autobahn's category 9 reports its
// durations for this; issue 10): the frame bytes written to the peer and read back, over the
// case's duration. Reported in index.json and the per-case JSON ("throughput"), the JUnit
// testcase's output, the HTML case page and the terminal's per-case lines.

#include <cinttypes>
#include <cstdio>
#include <optional>
#include <string>

#include "engine/catalogue.hpp"
#include "engine/result.hpp"

namespace wsprobe::harness {

struct Throughput {
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  double megabytes_per_second = 0;  // (sent + received) / duration, 10^6 bytes
};

// The performance area's cases, and any case that moved 1 MiB or more; none for a case that
// took no measurable time.
inline std::optional<Throughput> case_throughput(const Case& c, const CaseResult& r) {
  const uint64_t bytes = r.bytes_sent + r.bytes_received;
  if ((c.area != "performance" && bytes < (uint64_t{1} << 20)) || r.duration_ms <= 0) return {};
  return Throughput{r.bytes_sent, r.bytes_received,
                    static_cast<double>(bytes) / (static_cast<double>(r.duration_ms) / 1e3) / 1e6};
}

// "412.3 MB/s (1048598 bytes sent, 1048588 received)": the one wording of every report.
inline std::string describe_throughput(const Throughput& t) {
  char text[160];
  (void)std::snprintf(text, sizeof text, "%.1f MB/s (%" PRIu64 " bytes sent, %" PRIu64 " received)",
                      t.megabytes_per_second, t.bytes_sent, t.bytes_received);
  return text;
}

}  // namespace wsprobe::harness
