#include "wsprobe/random.hpp"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <limits>

namespace wsprobe::codec {

RandomSource openssl_random() {
  return [](std::span<uint8_t> out) {
    if (out.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
        RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
      (void)std::fputs("wsprobe: OpenSSL RAND_bytes failed; refusing to send predictable masks\n",
                       stderr);
      std::abort();
    }
  };
}

RandomSource counting_random(uint8_t seed) {
  return [next = seed](std::span<uint8_t> out) mutable {
    for (uint8_t& b : out)
      b = next++;
  };
}

}  // namespace wsprobe::codec
