#pragma once
// The case's byte pipe: the transport, the case clock, the timeout scale, and the evidence of
// everything that crossed it (the log of frames and notes, the exact chunks written). All of it
// capped, with a visible marker where the record stops.

#include <chrono>
#include <memory>
#include <span>
#include <string>

#include "engine/result.hpp"
#include "net/transport.hpp"

namespace wsprobe::harness {

class Wire {
 public:
  Wire(CaseResult& result, double timeout_scale);

  void attach(std::unique_ptr<Transport> transport) { transport_ = std::move(transport); }
  [[nodiscard]] bool attached() const { return transport_ != nullptr; }
  void close();

  // A deadline `seconds` from now, scaled by --timeout-scale (and the confirmation factor).
  [[nodiscard]] Clock::time_point after(double seconds) const;
  [[nodiscard]] double elapsed_ms() const;

  // Writes all of `bytes` by the deadline, recording the chunk.
  IoResult write(std::span<const uint8_t> bytes, Clock::time_point deadline);
  IoResult read_some(std::span<uint8_t> buffer, Clock::time_point deadline);

  void note(char dir, std::string text);

 private:
  CaseResult& result_;
  double scale_;
  Clock::time_point start_;
  std::unique_ptr<Transport> transport_;
};

}  // namespace wsprobe::harness
