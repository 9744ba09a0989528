#include "engine/data_set.hpp"

#include <algorithm>
#include <stdexcept>

namespace wsprobe::harness {
namespace {

// splitmix64: a generated data set is the same bytes on every machine and every run.
struct DataRandom {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
};

// Appends the UTF-8 encoding of `cp` (a scalar value: not a surrogate, at most U+10FFFF).
void append_utf8(std::vector<uint8_t>& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<uint8_t>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<uint8_t>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<uint8_t>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<uint8_t>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<uint8_t>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<uint8_t>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<uint8_t>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

std::vector<uint8_t> data_set(const std::string& name, size_t size, uint64_t seed) {
  DataRandom rng{seed};
  std::vector<uint8_t> out;
  out.reserve(size + 3);
  if (name == "ascii") {
    while (out.size() < size)
      out.push_back(static_cast<uint8_t>(0x20 + rng.next() % 95));
  } else if (name == "binary-random") {
    while (out.size() < size)
      out.push_back(static_cast<uint8_t>(rng.next()));
  } else if (name == "utf8-mixed") {
    static constexpr uint32_t first[] = {0x20, 0x80, 0x800, 0x10000};
    static constexpr uint32_t span[] = {0x5F, 0x780, 0xF800, 0x100000};
    while (out.size() < size) {
      const size_t room = size - out.size();
      const size_t len = 1 + rng.next() % std::min<size_t>(4, room);  // fits the room left
      uint32_t cp = first[len - 1] + static_cast<uint32_t>(rng.next() % span[len - 1]);
      if (cp >= 0xD800 && cp < 0xE000) cp -= 0x800;  // never a surrogate
      append_utf8(out, cp);
    }
  } else {
    throw std::invalid_argument("unknown data set '" + name +
                                "' (ascii, utf8-mixed, binary-random)");
  }
  return out;
}

}  // namespace wsprobe::harness
