#include "net/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace wsprobe::harness {
namespace {

// OpenSSL's reason for the last failure ("no start line", "key values mismatch"), or asio's.
std::string reason(const asio::error_code& ec) {
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (e != 0) {
    const char* r = ERR_reason_error_string(e);
    if (r != nullptr) return r;
  }
  return ec.message();
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
  asio::error_code ec;
  ctx.use_certificate_chain_file(cert_file, ec);
  if (ec) {
    error = "cannot load certificate '" + cert_file + "': " + reason(ec);
    return false;
  }
  ctx.use_private_key_file(key_file, asio::ssl::context::pem, ec);
  if (ec) {
    error = "cannot load key '" + key_file + "': " + reason(ec);
    return false;
  }
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    error = "key '" + key_file + "' does not match certificate '" + cert_file +
            "': " + reason(asio::error_code());
    return false;
  }
  return true;
}

bool load_ca(asio::ssl::context& ctx, const std::string& ca_file, std::string& error) {
  if (!readable("CA file", ca_file, error)) return false;
  ERR_clear_error();
  asio::error_code ec;
  ctx.load_verify_file(ca_file, ec);
  if (ec) {
    error = "cannot load CA file '" + ca_file + "': " + reason(ec);
    return false;
  }
  return true;
}

}  // namespace wsprobe::harness
