#pragma once
// Randomness for masking keys and handshake nonces (RFC 6455 5.3, 10.3: keys must be
// unpredictable). Injectable so that tests are deterministic; the default draws from OpenSSL's
// RAND_bytes.

#include <cstdint>
#include <functional>
#include <span>

namespace wsprobe::codec {

using RandomSource = std::function<void(std::span<uint8_t>)>;

// OpenSSL RAND_bytes. Aborts the process if the CSPRNG fails: sending predictable masks is worse.
RandomSource openssl_random();

// A deterministic source for tests and fuzzing: bytes start at `seed` and count up.
RandomSource counting_random(uint8_t seed = 0);

}  // namespace wsprobe::codec
