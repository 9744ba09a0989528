#include "engine/expectations.hpp"

#include <algorithm>

namespace wsprobe::harness {

Expectations::Expectations(std::initializer_list<Expected> events) {
  for (const auto& e : events)
    add(e);
}

Expectations::Expectations(const std::vector<Expected>& events) {
  for (const auto& e : events)
    add(e);
}

void Expectations::add(Expected event, size_t copies) {
  if (copies == 0) return;
  runs_.push_back({std::move(event), copies, nullptr});
  size_ += copies;
  ends_.push_back(size_);
}

void Expectations::add_windows(Expected event, std::shared_ptr<const PayloadWindows> windows,
                               size_t copies) {
  if (copies == 0) return;
  event.payload = windows->at(0);
  runs_.push_back({std::move(event), copies, std::move(windows)});
  size_ += copies;
  ends_.push_back(size_);
}

Expected Expectations::operator[](size_t i) const {
  const auto r =
      static_cast<size_t>(std::upper_bound(ends_.begin(), ends_.end(), i) - ends_.begin());
  const Run& run = runs_.at(r);
  if (!run.windows) return run.event;
  const size_t k = i - (r == 0 ? 0 : ends_[r - 1]);
  return {run.event.kind, run.windows->at(k), run.event.tag};
}

std::vector<Expected> Expectations::events() const {
  std::vector<Expected> out;
  out.reserve(size_);
  for (size_t i = 0; i < size_; ++i)
    out.push_back((*this)[i]);
  return out;
}

uint64_t Expectations::largest_payload() const {
  uint64_t largest = 0;
  for (const auto& run : runs_) {
    largest =
        std::max<uint64_t>(largest, run.windows ? run.windows->window : run.event.payload.size());
  }
  return largest;
}

bool Expectations::equal_prefix(const std::vector<Expected>& got, size_t n) const {
  for (size_t i = 0; i < n; ++i) {
    if (!(got[i] == (*this)[i])) return false;
  }
  return true;
}

bool Expectations::matched_by(const std::vector<Expected>& got) const {
  return got.size() == size_ && equal_prefix(got, size_);
}

bool Expectations::begun_in(const std::vector<Expected>& got) const {
  return got.size() >= size_ && equal_prefix(got, size_);
}

bool Expectations::pending_after(const std::vector<Expected>& got) const {
  return got.size() < size_ && equal_prefix(got, got.size());
}

}  // namespace wsprobe::harness
