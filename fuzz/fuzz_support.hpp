#pragma once
// What every fuzz target shares: the input layout, the oracle check, the allocation guard and a
// plain reference UTF-8 decoder to compare the codec against.
//
// Input layout (uWebSockets' in-band chunking): byte 0 configures the target; the rest is a
// sequence of chunks, each a length byte L and L bytes (L = 0: the rest of the input). The
// chunks are the read boundaries; their concatenation is the byte stream.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

namespace wsprobe::fuzz {

struct Input {
  uint8_t config = 0;
  std::vector<uint8_t> stream;  // the chunks joined
  std::vector<size_t> cuts;     // offsets in `stream` where a read boundary falls
};

// Into `in`, reusing its vectors' memory: a target that keeps one Input from one input to the
// next (thread_local) allocates nothing here once they have grown. Such a target hands the codec
// copies of the stream (or pieces of a poisoned copy), never `in.stream` itself: the spare
// capacity past its end would hide an overflow from ASan.
inline void split_input(const uint8_t* data, size_t size, Input& in) {
  in.config = 0;
  in.stream.clear();
  in.cuts.clear();
  if (size == 0) return;
  in.config = data[0];
  // Sized first (the chunks counted), so that the loop below never reallocates.
  in.stream.reserve(size - 1);
  size_t chunks = 0;
  for (size_t i = 1; i < size; i += 1 + (data[i] == 0 ? size : data[i]))
    ++chunks;
  in.cuts.reserve(chunks);
  size_t i = 1;
  while (i < size) {
    const size_t len = data[i] == 0 ? size - i - 1 : std::min<size_t>(data[i], size - i - 1);
    ++i;
    in.stream.insert(in.stream.end(), data + i, data + i + len);
    i += len;
    if (i < size) in.cuts.push_back(in.stream.size());
  }
}

inline Input split_input(const uint8_t* data, size_t size) {
  Input in;
  split_input(data, size, in);
  return in;
}

// Where the byte-at-a-time oracle reads one byte at a time, [from, to): the whole stream when it
// is at most byte_cut_window bytes, else a window of that many bytes that starts where the
// stream says (its first two bytes pick the offset). A large input then costs what a small one
// does, and the fuzzer still steers where the one-byte reads fall.
inline constexpr size_t byte_cut_window = 256;
struct ByteWindow {
  size_t from;
  size_t to;
};
inline ByteWindow byte_window(std::span<const uint8_t> stream) {
  const size_t n = stream.size();
  if (n <= byte_cut_window) return {0, n};
  const size_t from = (stream[0] | (size_t{stream[1]} << 8)) % (n - byte_cut_window + 1);
  return {from, from + byte_cut_window};
}

// Read boundaries after every byte of the window above. A view of a table of offsets kept from
// one input to the next (it grows to the longest stream seen), so nothing is allocated per input.
inline std::span<const size_t> byte_cuts(const Input& in) {
  thread_local std::vector<size_t> offsets;  // offsets[i] == i
  const auto [from, to] = byte_window(in.stream);
  while (offsets.size() < to)
    offsets.push_back(offsets.size());
  if (to <= from + 1) return {};
  return std::span(offsets).subspan(from + 1, to - from - 1);
}

// Encodes a stream back into the layout, cut at the given offsets (ascending); pieces longer
// than 255 bytes become several chunks. The seed generator uses it.
inline std::vector<uint8_t> join_input(uint8_t config, std::span<const uint8_t> stream,
                                       std::vector<size_t> cuts) {
  std::vector<uint8_t> out{config};
  cuts.push_back(stream.size());
  size_t from = 0;
  for (const size_t to : cuts) {
    while (from < to) {
      const size_t len = std::min<size_t>(to - from, 255);
      out.push_back(static_cast<uint8_t>(len));
      out.insert(out.end(), stream.begin() + static_cast<std::ptrdiff_t>(from),
                 stream.begin() + static_cast<std::ptrdiff_t>(from + len));
      from += len;
    }
  }
  return out;
}

[[noreturn]] inline void oracle_failed(const char* what, const char* file, int line) {
  (void)std::fprintf(stderr, "wsprobe fuzz oracle violated: %s (%s:%d)\n", what, file, line);
  std::abort();
}

// Stays on in release builds: the oracle is the point of the target.
#define FUZZ_CHECK(cond) \
  ((cond) ? void(0) : ::wsprobe::fuzz::oracle_failed(#cond, __FILE__, __LINE__))

// Records the number and the largest single allocation made while armed (alloc_guard.cpp replaces
// operator new). Targets arm it around codec calls and check it against the configured limits, so a
// claimed length that the codec would allocate is caught even when it fits in memory.
class AllocGuard {
 public:
  AllocGuard();
  ~AllocGuard();
  AllocGuard(const AllocGuard&) = delete;
  AllocGuard& operator=(const AllocGuard&) = delete;
  [[nodiscard]] size_t largest() const;
  [[nodiscard]] size_t count() const;
};

// The offset of the first byte that cannot belong to well-formed UTF-8 (Unicode table 3-7), the
// length when the input stops inside a sequence, or -1 when it is valid. Written plainly, apart
// from the codec's DFA, so the two can disagree.
inline int64_t reference_utf8_failure(std::span<const uint8_t> b) {
  size_t i = 0;
  while (i < b.size()) {
    const uint8_t c = b[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t need = 0;
    uint8_t lo = 0x80;
    uint8_t hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      lo = c == 0xE0 ? 0xA0 : 0x80;
      hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      lo = c == 0xF0 ? 0x90 : 0x80;
      hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
      return static_cast<int64_t>(i);
    }
    for (size_t k = 1; k <= need; ++k) {
      if (i + k >= b.size()) return static_cast<int64_t>(b.size());
      const uint8_t x = b[i + k];
      if (x < (k == 1 ? lo : 0x80) || x > (k == 1 ? hi : 0xBF)) return static_cast<int64_t>(i + k);
    }
    i += need + 1;
  }
  return -1;
}

}  // namespace wsprobe::fuzz
