#include "net/tls.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>

namespace wsprobe::harness {
namespace {

// The root cause of OpenSSL's last failure (the oldest error queued: "no start line", not the
// "PEM lib" stacked on it), in plain words where a common mistake explains it.
std::string openssl_reason() {
  const unsigned long first = ERR_get_error();
  ERR_clear_error();
  if (first == 0) return "unknown OpenSSL error";
  if (ERR_GET_LIB(first) == ERR_LIB_PEM && ERR_GET_REASON(first) == PEM_R_NO_START_LINE)
    return "not PEM (no -----BEGIN line)";
  if (ERR_GET_LIB(first) == ERR_LIB_X509 &&
      ERR_GET_REASON(first) == X509_R_NO_CERTIFICATE_OR_CRL_FOUND)
    return "no PEM certificate in it";
  const char* r = ERR_reason_error_string(first);
  return r != nullptr ? r : "OpenSSL error " + std::to_string(first);
}

bool key_mismatch() {
  const unsigned long e = ERR_peek_error();
  return ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH;
}

// A file that cannot be opened gets the system's reason, which OpenSSL reports less plainly.
bool readable(const std::string& what, const std::string& file, std::string& error) {
  std::ifstream in(file, std::ios::binary);
  if (in) return true;
  error = "cannot read " + what + " '" + file + "': " + std::strerror(errno);
  return false;
}

}  // namespace

bool load_certificate(asio::ssl::context& ctx, const std::string& cert_file,
                      const std::string& key_file, std::string& error) {
  if (!readable("certificate", cert_file, error) || !readable("key", key_file, error)) return false;
  ERR_clear_error();
  SSL_CTX* native = ctx.native_handle();
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1) {
    error = "cannot load certificate '" + cert_file + "': " + openssl_reason();
    return false;
  }
  // OpenSSL checks the key against the certificate as it loads it.
  if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(native) != 1) {
    error = key_mismatch() ? "key '" + key_file + "' does not match certificate '" + cert_file + "'"
                           : "cannot load key '" + key_file + "': no usable PEM private key (" +
                                 openssl_reason() + ")";
    ERR_clear_error();
    return false;
  }
  return true;
}

bool load_ca(asio::ssl::context& ctx, const std::string& ca_file, std::string& error) {
  if (!readable("CA file", ca_file, error)) return false;
  ERR_clear_error();
  if (SSL_CTX_load_verify_locations(ctx.native_handle(), ca_file.c_str(), nullptr) != 1) {
    error = "cannot load CA file '" + ca_file + "': " + openssl_reason();
    return false;
  }
  return true;
}

bool spki_sha256_base64(const std::string& cert_file, std::string& out, std::string& error) {
  if (!readable("certificate", cert_file, error)) return false;
  ERR_clear_error();
  const std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(cert_file.c_str(), "rb"), &std::fclose);
  const std::unique_ptr<X509, void (*)(X509*)> cert(
      f ? PEM_read_X509(f.get(), nullptr, nullptr, nullptr) : nullptr, &X509_free);
  if (!cert) {
    error = "cannot load certificate '" + cert_file + "': " + openssl_reason();
    return false;
  }
  unsigned char* der = nullptr;
  const int der_size = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &der);
  const std::unique_ptr<unsigned char, void (*)(void*)> owned(der,
                                                              [](void* p) { OPENSSL_free(p); });
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (der_size <= 0 || EVP_Digest(der, static_cast<size_t>(der_size), digest, &digest_size,
                                  EVP_sha256(), nullptr) != 1) {
    error = "cannot hash the public key of '" + cert_file + "': " + openssl_reason();
    return false;
  }
  std::string encoded(4 * ((digest_size + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), digest,
                                static_cast<int>(digest_size));
  encoded.resize(static_cast<size_t>(n));
  out = std::move(encoded);
  return true;
}

}  // namespace wsprobe::harness
