// Replaces the global operator new to record the number of allocations and the largest one made
// while a guard is armed. Thread-local, and plain malloc underneath, so ASan still sees every
// block.

#include <cstdlib>
#include <new>

#include "fuzz_support.hpp"

namespace {
thread_local int armed = 0;
thread_local size_t largest_seen = 0;
thread_local size_t allocations = 0;

void* allocate(size_t n) {
  if (armed > 0) {
    ++allocations;
    if (n > largest_seen) largest_seen = n;
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
}  // namespace

namespace wsprobe::fuzz {
AllocGuard::AllocGuard() {
  ++armed;
  largest_seen = 0;
  allocations = 0;
}
AllocGuard::~AllocGuard() {
  --armed;
}
size_t AllocGuard::largest() const {
  return largest_seen;
}
size_t AllocGuard::count() const {
  return allocations;
}
}  // namespace wsprobe::fuzz

void* operator new(size_t n) {
  return allocate(n);
}
void* operator new[](size_t n) {
  return allocate(n);
}
void* operator new(size_t n, const std::nothrow_t& /*tag*/) noexcept {
  try {
    return allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t n, const std::nothrow_t& tag) noexcept {
  return operator new(n, tag);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t /*size*/) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t /*size*/) noexcept {
  std::free(p);
}
