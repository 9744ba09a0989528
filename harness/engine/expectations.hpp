#pragma once
// What a case expects to receive, in order, held as runs: a run is one event repeated, or one
// event standing for successive windows of a data set (copy k takes window k, as Step::copies
// does for sends). Autobahn's 12.x/13.x expect 1000 echoes each: 216 such cases as 216,000 events
// were 20 MiB of every run's memory (58 MiB under ASan); as runs they are 216.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "engine/payload.hpp"

namespace wsprobe::harness {

// Successive windows of a data set, taken cyclically: window k is bytes k * window mod size
// onwards, wrapping past the end (Autobahn's 12.x/13.x send the next LEN bytes of a file 1000
// times). `cycle` is the data set repeated without end; windows share its bytes.
struct PayloadWindows {
  Payload cycle;
  size_t window = 0;
  size_t size = 0;  // the data set's
  [[nodiscard]] Payload at(size_t k) const {
    const size_t from = (k % size) * (window % size) % size;
    return cycle.slice(from, from + window);
  }
};

// One event the case expects.
struct Expected {
  enum class Kind : uint8_t { text, binary, ping, pong, timeout };
  Kind kind;
  Payload payload;
  std::string tag;
  friend bool operator==(const Expected&, const Expected&) = default;
};

class Expectations {
 public:
  // `copies` of `event`; with `windows`, copy k has window k as its payload.
  struct Run {
    Expected event;
    size_t copies = 1;
    std::shared_ptr<const PayloadWindows> windows;
  };

  Expectations() = default;
  Expectations(std::initializer_list<Expected> events);
  explicit Expectations(const std::vector<Expected>& events);

  void add(Expected event, size_t copies = 1);
  void add_windows(Expected event, std::shared_ptr<const PayloadWindows> windows, size_t copies);

  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  // Event i, made from its run (its payload shares the run's bytes).
  [[nodiscard]] Expected operator[](size_t i) const;
  [[nodiscard]] const std::vector<Run>& runs() const { return runs_; }
  // Every event, one by one (tests, dumps).
  [[nodiscard]] std::vector<Expected> events() const;
  // The largest payload of any one event.
  [[nodiscard]] uint64_t largest_payload() const;

  // Events of this kind are not judged: they may come in any number, anywhere (a case that floods
  // pings while the peer sends counts the echoes, not how many pongs came, RFC 6455 5.5.3).
  void ignore(Expected::Kind kind) { ignored_ |= bit(kind); }
  [[nodiscard]] bool ignores(Expected::Kind kind) const { return (ignored_ & bit(kind)) != 0; }

  // `got` is exactly these events.
  [[nodiscard]] bool matched_by(const std::vector<Expected>& got) const;
  // `got` starts with all of these events.
  [[nodiscard]] bool begun_in(const std::vector<Expected>& got) const;
  // `got` is a strict beginning of these events: the rest may still come.
  [[nodiscard]] bool pending_after(const std::vector<Expected>& got) const;

 private:
  [[nodiscard]] bool equal_prefix(const std::vector<Expected>& got, size_t n) const;
  static uint8_t bit(Expected::Kind kind) {
    return static_cast<uint8_t>(1U << static_cast<unsigned>(kind));
  }
  std::vector<Run> runs_;
  uint8_t ignored_ = 0;       // bits of Expected::Kind
  std::vector<size_t> ends_;  // ends_[r]: events in runs 0..r
  size_t size_ = 0;
};

}  // namespace wsprobe::harness
