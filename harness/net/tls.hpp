#pragma once
// Loading TLS material (certificate chain, private key, CA file) into an asio::ssl::context, with
// errors that name the file and what is wrong with it: a missing file, a file that is not PEM, a
// key that does not belong to the certificate. Callers turn them into a usage error (exit 2)
// instead of serving or verifying with half a configuration.

#include <asio/ssl.hpp>
#include <string>

namespace wsprobe::harness {

// Loads a PEM certificate chain and its private key, and checks that they match.
bool load_certificate(asio::ssl::context& ctx, const std::string& cert_file,
                      const std::string& key_file, std::string& error);

// Loads the PEM CA certificates that peers are verified against.
bool load_ca(asio::ssl::context& ctx, const std::string& ca_file, std::string& error);

// The base64 SHA-256 of the first certificate's public key (its SubjectPublicKeyInfo, DER): what
// Chromium's --ignore-certificate-errors-spki-list takes to trust that one certificate.
bool spki_sha256_base64(const std::string& cert_file, std::string& out, std::string& error);

// A server's loaded identity, shared by the connections it accepts.
struct ServerTlsContext {
  asio::ssl::context ssl{asio::ssl::context::tls_server};
};

}  // namespace wsprobe::harness
