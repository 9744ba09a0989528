#pragma once
// The byte searches of an HTTP head (RFC 9112 2-5): where it ends, where each line ends and where
// each field name stops. A server answers every connection's head through these (issue 10: 2 M
// handshakes/s), so with AVX-512 a head is classified 64 bytes to an instruction, once, into
// bitmaps that each search reads with a bit scan; elsewhere the searches go 16 bytes at a time.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace wsprobe::codec {

namespace detail {
// Whether the searches use AVX-512 (when the CPU has AVX-512 BW); tests turn it off to check the
// 16-byte path on a machine that has it.
extern bool head_scan_avx512;
}  // namespace detail

// The index of the first LF in s[from, n - 1) that is followed by CR or LF, where a head can end
// (RFC 9112 2.1: CRLF CRLF; LF LF is our error); n when there is none.
size_t end_candidate(const char* s, size_t from, size_t n);

class HeadScan {
 public:
  explicit HeadScan(std::string_view head);

  // The index of the first byte at or after `from` that may not appear inside a header line: a
  // control character other than HTAB, or DEL (RFC 9110 5.5); the head's size when none. In a
  // well-formed head that byte is the CR of the line's CRLF.
  [[nodiscard]] size_t next_special(size_t from) const {
    return blocks_ != 0 ? next(special, from) : scan_special(from);
  }
  // The index of the first byte at or after `from` that is not a tchar (RFC 9110 5.6.2), which
  // ends a field name; the head's size when none.
  [[nodiscard]] size_t next_non_tchar(size_t from) const {
    return blocks_ != 0 ? next(non_tchar, from) : scan_non_tchar(from);
  }

 private:
  enum Map : size_t { special = 0, non_tchar = 1 };
  // The first set bit at or after `from` in a bitmap.
  [[nodiscard]] size_t next(Map map, size_t from) const {
    size_t b = from / 64;
    if (b >= blocks_) return head_.size();
    const uint64_t* w = words() + map;
    uint64_t bits = w[2 * b] & (~uint64_t{0} << (from % 64));
    while (bits == 0) {
      if (++b == blocks_) return head_.size();
      bits = w[2 * b];
    }
    return 64 * b + static_cast<size_t>(std::countr_zero(bits));
  }
  // The searches without bitmaps (no AVX-512, or an empty head).
  [[nodiscard]] size_t scan_special(size_t from) const;
  [[nodiscard]] size_t scan_non_tchar(size_t from) const;
  [[nodiscard]] uint64_t* words() { return heap_.empty() ? inline_.data() : heap_.data(); }
  [[nodiscard]] const uint64_t* words() const {
    return heap_.empty() ? inline_.data() : heap_.data();
  }

  std::string_view head_;
  size_t blocks_ = 0;  // 64-byte blocks with bitmaps; 0 without AVX-512
  // Two words per block (special, non_tchar): inline for a head up to the default limit.
  static constexpr size_t inline_blocks = 130;
  std::array<uint64_t, 2 * inline_blocks> inline_;  // NOLINT(*-member-init): written before read
  std::vector<uint64_t> heap_;
};

}  // namespace wsprobe::codec
