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

// ASan's defaults for every target, under whatever ASAN_OPTIONS the caller sets (which win).
// Filling each new block with 0xbe and a 256 MiB quarantine cost these allocation-heavy targets
// half their speed (page faults on fresh quarantine memory, a memset per malloc); neither is an
// oracle: ASan reports a use after free within the last 32 MiB of frees, thousands of runs.
extern "C" const char* __asan_default_options() {  // NOLINT(bugprone-reserved-identifier)
  return "max_malloc_fill_size=0:quarantine_size_mb=32";
}

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
