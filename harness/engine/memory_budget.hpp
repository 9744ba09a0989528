#pragma once
// Cases run in parallel (test-server --jobs) hold their large messages at the same time: 9.1.6,
// 9.2.6 and the limit cases each hold up to 16 MiB (what arrives, and its growth). The budget
// admits a case whose messages are large only while the large ones already running leave room, so
// the tester's memory stays near one large case plus the small ones around it, whatever --jobs
// is (issue 10: the tester's RSS beyond its largest message). A small case is never counted; a
// large case that does not fit is put off by test-server while its worker goes on with the rest.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace wsprobe::harness {

class MemoryBudget {
 public:
  // Messages under `small` bytes are not counted; `budget` bytes of large ones may run at once
  // (a case larger than the budget still runs, alone among the large).
  MemoryBudget(uint64_t budget, uint64_t small) : budget_(budget), small_(small) {}

  class Hold {
   public:
    // Waits for room, or with `wait` false holds nothing (held() false) when there is none.
    Hold(MemoryBudget& b, uint64_t bytes, bool wait = true)
        : budget_(b), bytes_(bytes < b.small_ ? 0 : bytes) {
      if (bytes_ == 0) return;
      std::unique_lock lock(budget_.mutex_);
      const auto room = [&] {
        return budget_.in_use_ == 0 || budget_.in_use_ + bytes_ <= budget_.budget_;
      };
      if (!wait && !room()) {
        bytes_ = 0;
        held_ = false;
        return;
      }
      ++budget_.waiting_;
      budget_.freed_.wait(lock, room);
      --budget_.waiting_;
      budget_.in_use_ += bytes_;
    }
    ~Hold() {
      if (bytes_ == 0) return;
      {
        const std::lock_guard lock(budget_.mutex_);
        budget_.in_use_ -= bytes_;
      }
      budget_.freed_.notify_all();
    }
    [[nodiscard]] bool held() const { return held_; }
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    Hold(Hold&&) = delete;
    Hold& operator=(Hold&&) = delete;

   private:
    MemoryBudget& budget_;
    uint64_t bytes_;
    bool held_ = true;
  };

  // Bytes of large messages admitted, and cases waiting for room (tests, progress).
  [[nodiscard]] uint64_t in_use() {
    const std::lock_guard lock(mutex_);
    return in_use_;
  }
  [[nodiscard]] size_t waiting() {
    const std::lock_guard lock(mutex_);
    return waiting_;
  }

 private:
  uint64_t budget_;
  uint64_t small_;
  uint64_t in_use_ = 0;
  size_t waiting_ = 0;
  std::mutex mutex_;
  std::condition_variable freed_;
};

}  // namespace wsprobe::harness
