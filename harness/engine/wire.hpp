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

inline constexpr double max_confirm_extension = 10.0;

class Wire {
 public:
  // `confirm_factor` > 1 lengthens every timer for a confirmation run: x factor, but at most
  // max_confirm_extension seconds longer (a 10 s kill timer waits 20 s, not 40: no load stalls
  // a loopback peer for 10 s).
  Wire(CaseResult& result, double timeout_scale, double confirm_factor = 1.0);

  void attach(std::unique_ptr<Transport> transport) { transport_ = std::move(transport); }
  [[nodiscard]] bool attached() const { return transport_ != nullptr; }
  void close();
  void shutdown_write();  // Transport::shutdown_write

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
  double confirm_;
  Clock::time_point start_;
  std::unique_ptr<Transport> transport_;
};

}  // namespace wsprobe::harness
