#include "engine/wire.hpp"

#include <algorithm>
#include <cstdio>

namespace wsprobe::harness {

Wire::Wire(CaseResult& result, double timeout_scale, double confirm_factor)
    : result_(result), scale_(timeout_scale), confirm_(confirm_factor), start_(Clock::now()) {}

void Wire::close() {
  if (transport_) transport_->close();
}

void Wire::shutdown_write() {
  if (transport_) transport_->shutdown_write();
}

Clock::time_point Wire::after(double seconds) const {
  double t = seconds * scale_;
  if (confirm_ > 1.0) t = std::min(t * confirm_, t + max_confirm_extension);
  return Clock::now() +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(t));
}

double Wire::elapsed_ms() const {
  return std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
}

IoResult Wire::write(std::span<const uint8_t> bytes, Clock::time_point deadline) {
  if (result_.chunks.size() < max_chunks) {
    std::string head;
    char hex[4];
    for (size_t i = 0; i < std::min<size_t>(bytes.size(), 7); ++i) {
      (void)std::snprintf(hex, sizeof(hex), "%02x", bytes[i]);
      head += hex;
    }
    result_.chunks.push_back({elapsed_ms(), bytes.size(), std::move(head)});
  } else {
    ++result_.chunks_dropped;
  }
  return transport_->write(bytes, deadline);
}

IoResult Wire::read_some(std::span<uint8_t> buffer, Clock::time_point deadline) {
  return transport_->read_some(buffer, deadline);
}

void Wire::note(char dir, std::string text) {
  auto& log = result_.log;
  if (!log.empty() && log.back().dir == dir && log.back().text == text &&
      log.back().repeat < UINT32_MAX) {
    ++log.back().repeat;
  } else if (log.size() + 1 < max_evidence) {
    log.push_back({elapsed_ms(), dir, std::move(text)});
  } else if (!result_.evidence_truncated) {
    result_.evidence_truncated = true;
    log.push_back({elapsed_ms(), '*',
                   "evidence truncated: the record stops here (" + std::to_string(max_evidence) +
                       " entries)"});
  }
}

}  // namespace wsprobe::harness
