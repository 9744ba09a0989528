#include "engine/masking.hpp"

#include <cmath>

namespace wsprobe::harness {
namespace {

constexpr double key_space = 4294967296.0;  // 2^32 keys
constexpr double false_alarm = 1e-9;

}  // namespace

uint32_t key_value(const codec::MaskKey& key) {
  return (uint32_t{key[0]} << 24) | (uint32_t{key[1]} << 16) | (uint32_t{key[2]} << 8) | key[3];
}

bool surprising(uint64_t count, double expected) {
  if (count == 0) return false;
  if (expected <= 0) return true;
  // P(X >= count) for X ~ Poisson(expected), summed from `count` up while the terms matter.
  double tail = 0;
  for (uint64_t j = count; j < count + 200; ++j) {
    const auto k = static_cast<double>(j);
    const double term = std::exp((k * std::log(expected)) - expected - std::lgamma(k + 1));
    tail += term;
    if (term < tail * 1e-12) break;
  }
  return tail < false_alarm;
}

void MaskingJudge::add(const codec::MaskKey& key) {
  add(key_value(key));
}

void MaskingJudge::add(uint32_t key) {
  if (key == 0) ++zero_;
  if (frames_ >= 2 && step_ != 0 && key - last_ == step_) ++same_step_;  // 0: a repeat
  if (frames_ >= 1) step_ = key - last_;
  last_ = key;
  ++frames_;
  if (seen_.count(key) != 0) {
    ++repeats_;
  } else if (seen_.size() < max_remembered) {
    seen_.insert(key);
  }
}

std::string MaskingJudge::finding() const {
  const auto n = static_cast<double>(frames_);
  std::string out;
  auto add_finding = [&out](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
  const std::string of = " of " + std::to_string(frames_) + " frames";
  // RFC 6455 5.3: keys drawn uniformly; each event's expected count for that many frames.
  if (surprising(zero_, n / key_space))
    add_finding(std::to_string(zero_) + of + " masked with the key 00 00 00 00");
  // Birthday bound: pairs of frames / 2^32.
  if (surprising(repeats_, n * (n - 1) / 2 / key_space))
    add_finding(std::to_string(repeats_) + of + " reuse a key already used");
  if (surprising(same_step_, n > 2 ? (n - 2) / key_space : 0)) {
    add_finding(std::to_string(same_step_) + of +
                " have a key predictable from the two before it (a constant step)");
  }
  return out;
}

std::string MaskingJudge::summary() const {
  const std::string f = finding();
  return std::to_string(frames_) + " masked frames, " + std::to_string(repeats_) +
         " repeated keys, " + std::to_string(zero_) +
         " zero keys: " + (f.empty() ? "OK" : "FAILED (" + f + "; RFC 6455 5.3, 10.3)");
}

}  // namespace wsprobe::harness
