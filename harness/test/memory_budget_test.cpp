// test-server's MemoryBudget: large cases wait for room, small ones never wait.
#include "engine/memory_budget.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

namespace wsprobe::harness {
namespace {

constexpr uint64_t MiB = uint64_t{1} << 20;

TEST(MemoryBudget, SmallMessagesAreNotCounted) {
  MemoryBudget budget(16 * MiB, MiB);
  const MemoryBudget::Hold small(budget, MiB - 1);
  EXPECT_EQ(budget.in_use(), 0U);
  const MemoryBudget::Hold large(budget, 8 * MiB);
  EXPECT_EQ(budget.in_use(), 8 * MiB);
}

TEST(MemoryBudget, AdmitsACaseLargerThanTheBudgetWhenNoneRuns) {
  MemoryBudget budget(16 * MiB, MiB);
  const MemoryBudget::Hold huge(budget, 64 * MiB);
  EXPECT_EQ(budget.in_use(), 64 * MiB);
}

TEST(MemoryBudget, AHoldThatMayNotWaitHoldsNothingWhenThereIsNoRoom) {
  MemoryBudget budget(16 * MiB, MiB);
  const MemoryBudget::Hold first(budget, 12 * MiB, false);
  EXPECT_TRUE(first.held());
  const MemoryBudget::Hold second(budget, 8 * MiB, false);
  EXPECT_FALSE(second.held());
  EXPECT_EQ(budget.in_use(), 12 * MiB);
  const MemoryBudget::Hold small(budget, 1024, false);
  EXPECT_TRUE(small.held());
}

TEST(MemoryBudget, ALargeCaseWaitsUntilTheRunningOnesLeaveRoom) {
  MemoryBudget budget(16 * MiB, MiB);
  std::optional<MemoryBudget::Hold> first;
  first.emplace(budget, 12 * MiB);
  std::atomic<bool> admitted{false};
  std::thread second([&] {
    const MemoryBudget::Hold hold(budget, 8 * MiB);  // 12 + 8 > 16: waits for the first
    admitted = true;
  });
  // Bounded: the thread reaches its wait within seconds, even on a loaded machine.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (budget.waiting() == 0 && std::chrono::steady_clock::now() < give_up)
    std::this_thread::yield();
  EXPECT_EQ(budget.waiting(), 1U);
  EXPECT_FALSE(admitted);
  first.reset();
  second.join();
  EXPECT_TRUE(admitted);
  EXPECT_EQ(budget.in_use(), 0U);
}

}  // namespace
}  // namespace wsprobe::harness
