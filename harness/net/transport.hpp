#pragma once
// A client byte transport over TCP or TLS with a deadline on every operation, so a peer that
// never answers cannot hang the caller. Blocking in style (one io_context per transport), which
// suits the case engine: it writes exactly the bytes it chose, when it chose.

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "net/url.hpp"

namespace wsprobe::harness {

using Clock = std::chrono::steady_clock;

enum class IoStatus : uint8_t { ok, timeout, closed, error };

struct IoResult {
  IoStatus status = IoStatus::ok;
  size_t bytes = 0;
  std::string message;  // for errors
};

struct TlsOptions {
  std::string ca_file;  // verify the server against these CAs; empty: no verification
};

struct ServerTls {
  std::string cert_file;  // PEM chain; empty: plain TCP
  std::string key_file;
};

struct ServerTlsContext;  // a loaded certificate and key (net/tls.hpp)

class Transport {
 public:
  virtual ~Transport() = default;
  // Connects (and for wss:// completes the TLS handshake) by the deadline. A CA file that cannot
  // be loaded is an error that names it, as is a failed connection.
  static std::unique_ptr<Transport> connect(const Url& url, Clock::time_point deadline,
                                            const TlsOptions& tls, std::string& error);
  // Takes over an accepted TCP connection (a file descriptor, IPv4 or IPv6); with a TLS context,
  // completes the server side of the TLS handshake by the deadline. Null `tls`: plain TCP.
  static std::unique_ptr<Transport> adopt(int fd, std::shared_ptr<ServerTlsContext> tls,
                                          Clock::time_point deadline, std::string& error);

  // Writes all of `bytes`, or fails, by the deadline.
  virtual IoResult write(std::span<const uint8_t> bytes, Clock::time_point deadline) = 0;
  // Reads what arrives, waiting at most until the deadline. A past deadline still gives the peer
  // a moment (1 ms) to answer; `no_wait` (the earliest time point) takes only what is there.
  virtual IoResult read_some(std::span<uint8_t> buffer, Clock::time_point deadline) = 0;
  static constexpr Clock::time_point no_wait = Clock::time_point::min();
  virtual void close() = 0;
  // Half-closes: no more bytes from us (TLS close_notify, then TCP FIN), while reading goes on,
  // so the peer's answer to our going away can still be seen. Default: close().
  virtual void shutdown_write() { close(); }
};

}  // namespace wsprobe::harness
