#pragma once
// The bulk UTF-8 check behind Utf8Validator (utf8.cpp): internal to the codec, declared here so
// that utf8.cpp and the kernel's own file share one signature.

#include <cstddef>
#include <cstdint>

namespace wsprobe::codec::detail {

// True when this CPU runs utf8_valid_prefix_avx512 (AVX-512 BW and VBMI).
bool utf8_avx512_supported();

// Whether Utf8Validator uses utf8_valid_prefix_avx512 (else simdjson): utf8_avx512_supported(),
// which tests turn off to check the simdjson path on a machine that has the kernel.
extern bool utf8_bulk_avx512;

// The length of a prefix of p[0, n) made of whole, well-formed characters (RFC 3629 section 4)
// that ends at or before the first error: n when all of p[0, n) is complete, valid UTF-8. p[0, n)
// must start on a character boundary. Only for CPUs where utf8_avx512_supported() holds.
size_t utf8_valid_prefix_avx512(const uint8_t* p, size_t n);

}  // namespace wsprobe::codec::detail
