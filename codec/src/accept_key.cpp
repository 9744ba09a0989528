#include "wsprobe/accept_key.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <span>

#include "ascii.hpp"

namespace wsprobe::codec {
namespace {

std::string base64(std::span<const uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// SHA-1 with the digest fetched once and the context reused: in OpenSSL 3 the one-shot API pays
// for an implicit fetch and allocation on every call, 2-3 times the digest itself.
struct Sha1 {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Sha1() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
  Sha1() = default;
  Sha1(const Sha1&) = delete;
  Sha1& operator=(const Sha1&) = delete;
};

}  // namespace

std::string compute_accept(std::string_view key) {
  thread_local Sha1 sha1;
  std::array<uint8_t, 20> digest{};
  unsigned int len = 0;
  EVP_DigestInit_ex(sha1.ctx, sha1.md, nullptr);
  EVP_DigestUpdate(sha1.ctx, key.data(), key.size());
  EVP_DigestUpdate(sha1.ctx, websocket_guid.data(), websocket_guid.size());
  EVP_DigestFinal_ex(sha1.ctx, digest.data(), &len);
  return base64(digest);
}

std::string generate_key(const RandomSource& random) {
  std::array<uint8_t, 16> nonce{};
  random(nonce);
  return base64(nonce);
}

bool is_valid_key(std::string_view key) {
  // 16 bytes are 22 base64 characters and "==" of padding; the 22nd character carries 2 bits of
  // data and 4 zero bits, so only A, Q, g and w are canonical (RFC 4648 3.5).
  if (key.size() != 24 || key.substr(22) != "==") return false;
  return ascii::all_of(key.substr(0, 22), ascii::base64) &&
         std::string_view("AQgw").find(key[21]) != std::string_view::npos;
}

}  // namespace wsprobe::codec
