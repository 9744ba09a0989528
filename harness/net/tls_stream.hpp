#pragma once
// TLS over a connected, non-blocking socket, driven by OpenSSL directly with poll(2) for every
// deadline. Not asio's ssl::stream: cancelling one of its writes at a deadline drops the part of
// a record already encrypted but not yet sent, and the peer then fails the stream ("bad record
// mac"). The case engine times writes out on purpose (a peer that stops reading, 20.5.x) and then
// goes on writing; here OpenSSL keeps the unsent part of the record and sends it first.

#include <openssl/ssl.h>

#include <memory>
#include <span>
#include <string>

#include "net/transport.hpp"

namespace wsprobe::harness {

class TlsStream {
 public:
  // `ctx` configured (verification, certificate); `fd` stays the caller's to close.
  TlsStream(SSL_CTX* ctx, int fd);

  // The handshake, as a client (with SNI `host` when given) or as a server, by the deadline.
  IoResult handshake(bool client, const std::string& host, Clock::time_point deadline);
  // As Transport::write: the bytes written (accepted whole records) come back with a timeout, and
  // a later write must start with the rest of the same bytes (OpenSSL's write retry rule).
  IoResult write(std::span<const uint8_t> bytes, Clock::time_point deadline);
  IoResult read_some(std::span<uint8_t> buffer, Clock::time_point deadline);
  // Our close_notify, without waiting for the peer's.
  void shutdown_write();

 private:
  // After an SSL call returned `ret`: keep going (after waiting for the socket by the deadline),
  // or the result to return.
  bool wait(int ret, Clock::time_point deadline, size_t done, IoResult& result);

  std::unique_ptr<SSL, void (*)(SSL*)> ssl_;
  int fd_;
};

}  // namespace wsprobe::harness
