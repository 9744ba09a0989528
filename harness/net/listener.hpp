#pragma once
// A TCP listener for the tester's server seat (test-client): binds a host and port, IPv4 or IPv6
// ("localhost" binds every address it resolves to, on one port), and hands out each accepted
// connection as a Transport, plain or TLS. Every wait has a deadline, and an accept that fails
// (EMFILE, ENFILE, ENOBUFS, ...) is reported and then backed off, never retried in a busy loop.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "net/transport.hpp"

namespace wsprobe::harness {

struct AcceptResult {
  std::unique_ptr<Transport> transport;  // set when status is ok
  IoStatus status = IoStatus::ok;        // timeout: nobody came by the deadline; error: see message
  std::string message;
};

class Listener {
 public:
  // Binds and listens. With a certificate the certificate and key are loaded now, so a bad file
  // is an error here ("cannot load key 'k.pem': ..."), not a failed handshake later.
  static std::unique_ptr<Listener> open(const std::string& host, uint16_t port,
                                        const ServerTls& tls, std::string& error);
  virtual ~Listener() = default;

  // The bound port (the one picked when 0 was asked for).
  [[nodiscard]] virtual uint16_t port() const = 0;
  // "ws://HOST:PORT/" or "wss://...", IPv6 hosts in brackets.
  [[nodiscard]] virtual std::string url() const = 0;

  // Waits for a connection until `deadline`; for TLS the handshake then gets `tls_handshake`.
  // After an accept error the next call first waits out a back-off (doubling, at most 1 s).
  virtual AcceptResult accept(Clock::time_point deadline, std::chrono::milliseconds tls_handshake =
                                                              std::chrono::seconds(5)) = 0;
};

}  // namespace wsprobe::harness
