#pragma once
// The handshake's key and accept values (RFC 6455 4.1, 4.2.2): the client's nonce, base64 of 16
// random bytes, and the server's proof that it read it, base64(SHA-1(key + GUID)).

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "wsprobe/random.hpp"

namespace wsprobe::codec {

inline constexpr std::string_view websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
inline constexpr std::string_view websocket_version = "13";

// Sec-WebSocket-Accept's length: base64 of a 20-byte SHA-1 digest.
inline constexpr size_t accept_size = 28;

// base64(SHA-1(key + GUID)) (RFC 6455 4.2.2 step 5.4), written into `out` (the server's 101
// writes it without an allocation).
void compute_accept(std::string_view key, std::span<char, accept_size> out);
// The same, as a string.
std::string compute_accept(std::string_view key);

// RFC 6455 4.1: base64 of 16 random bytes.
std::string generate_key(const RandomSource& random);
// True when `key` is base64 that decodes to exactly 16 bytes (RFC 6455 4.2.1 item 5).
bool is_valid_key(std::string_view key);

}  // namespace wsprobe::codec
