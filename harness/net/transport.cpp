#include "net/transport.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <asio.hpp>
#include <asio/ssl.hpp>  // the client's asio::ssl::context: CA loading, verification mode
#include <optional>

#include "net/tls.hpp"
#include "net/tls_stream.hpp"

namespace wsprobe::harness {
namespace {

using asio::ip::tcp;

IoResult from_error(const asio::error_code& ec, size_t n) {
  if (!ec) return {IoStatus::ok, n, {}};
  if (ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::broken_pipe) {
    return {IoStatus::closed, n, ec.message()};
  }
  return {IoStatus::error, n, ec.message()};
}

// Runs one asynchronous operation to completion or to the deadline, cancelling it on timeout.
template <class Start>
IoResult run_with_deadline(asio::io_context& ctx, tcp::socket& socket, Clock::time_point deadline,
                           Start&& start) {
  bool done = false;
  asio::error_code result;
  size_t bytes = 0;
  start([&](const asio::error_code& ec, size_t n) {
    done = true;
    result = ec;
    bytes = n;
  });
  ctx.restart();
  if (deadline == Transport::no_wait) {
    ctx.poll();  // what is ready completes; nothing is waited for
  } else {
    // A deadline already past still gives the operation a moment: a poll, not a skip.
    ctx.run_until(std::max(deadline, Clock::now() + std::chrono::milliseconds(1)));
  }
  if (!done) {
    asio::error_code ignored;
    socket.cancel(ignored);
    ctx.restart();
    ctx.run();
    if (result == asio::error::operation_aborted) return {IoStatus::timeout, bytes, "timed out"};
  }
  return from_error(result, bytes);
}

class TcpTransport final : public Transport {
 public:
  // The server side: an accepted connection, TLS when a loaded certificate is given.
  TcpTransport(int fd, std::shared_ptr<ServerTlsContext> tls)
      : socket_(ctx_), ssl_ctx_(asio::ssl::context::tls_server), server_tls_(std::move(tls)) {
    sockaddr_storage local{};
    socklen_t len = sizeof(local);
    const bool v6 = ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0 &&
                    local.ss_family == AF_INET6;
    asio::error_code ec;
    socket_.assign(v6 ? tcp::v6() : tcp::v4(), fd, ec);
    socket_.set_option(tcp::no_delay(true), ec);
  }

  bool accept_tls(Clock::time_point deadline, std::string& error) {
    if (!server_tls_) return true;
    const auto r = start_tls(server_tls_->ssl.native_handle(), false, {}, deadline);
    if (r.status != IoStatus::ok) error = "TLS handshake with the client failed: " + r.message;
    return r.status == IoStatus::ok;
  }

  TcpTransport() : socket_(ctx_), ssl_ctx_(asio::ssl::context::tls_client) {}

  bool open(const Url& url, const TlsOptions& tls, Clock::time_point deadline, std::string& error) {
    // A CA file given is loaded even for ws://: a bad --ca is reported, never silently unused.
    if (!tls.ca_file.empty() && !load_ca(ssl_ctx_, tls.ca_file, error)) return false;
    if (url.tls) {
      asio::error_code ec;
      ssl_ctx_.set_verify_mode(
          tls.ca_file.empty() ? asio::ssl::verify_none : asio::ssl::verify_peer, ec);
    }
    tcp::resolver resolver(ctx_);
    asio::error_code ec;
    const auto endpoints = resolver.resolve(url.host, std::to_string(url.port), ec);
    if (ec) {
      error = "cannot resolve " + url.host + ": " + ec.message();
      return false;
    }
    auto r = run_with_deadline(ctx_, socket_, deadline, [&](auto handler) {
      asio::async_connect(
          socket_, endpoints,
          [handler](const asio::error_code& e, const tcp::endpoint&) { handler(e, 0); });
    });
    if (r.status != IoStatus::ok) {
      error = "cannot connect to " + url.host_header() + ": " + r.message;
      return false;
    }
    socket_.set_option(tcp::no_delay(true), ec);
    if (url.tls) {
      r = start_tls(ssl_ctx_.native_handle(), true, url.host, deadline);
      if (r.status != IoStatus::ok) {
        error = "TLS handshake with " + url.host_header() + " failed: " + r.message;
        return false;
      }
    }
    return true;
  }

  IoResult write(std::span<const uint8_t> bytes, Clock::time_point deadline) override {
    if (tls_) return tls_->write(bytes, deadline);
    return run_with_deadline(ctx_, socket_, deadline, [&](auto handler) {
      asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()), handler);
    });
  }

  IoResult read_some(std::span<uint8_t> buffer, Clock::time_point deadline) override {
    if (tls_) return tls_->read_some(buffer, deadline);
    return run_with_deadline(ctx_, socket_, deadline, [&](auto handler) {
      socket_.async_read_some(asio::buffer(buffer.data(), buffer.size()), handler);
    });
  }

  void close() override {
    asio::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  void shutdown_write() override {
    // One SSL_shutdown sends our close_notify without waiting for the peer's.
    if (tls_) tls_->shutdown_write();
    asio::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
  }

 private:
  // TLS from here on over the connected socket, driven by OpenSSL itself (net/tls_stream.hpp).
  IoResult start_tls(SSL_CTX* ctx, bool client, const std::string& host,
                     Clock::time_point deadline) {
    asio::error_code ec;
    socket_.native_non_blocking(true, ec);
    tls_.emplace(ctx, socket_.native_handle());
    return tls_->handshake(client, host, deadline);
  }

  asio::io_context ctx_;
  tcp::socket socket_;
  asio::ssl::context ssl_ctx_;  // the client's; a server's is shared, in server_tls_
  std::shared_ptr<ServerTlsContext> server_tls_;
  std::optional<TlsStream> tls_;
};

}  // namespace

std::unique_ptr<Transport> Transport::adopt(int fd, std::shared_ptr<ServerTlsContext> tls,
                                            Clock::time_point deadline, std::string& error) {
  auto t = std::make_unique<TcpTransport>(fd, std::move(tls));
  if (!t->accept_tls(deadline, error)) return nullptr;
  return t;
}

std::unique_ptr<Transport> Transport::connect(const Url& url, Clock::time_point deadline,
                                              const TlsOptions& tls, std::string& error) {
  auto t = std::make_unique<TcpTransport>();
  if (!t->open(url, tls, deadline, error)) return nullptr;
  return t;
}

}  // namespace wsprobe::harness
