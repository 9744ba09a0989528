#include "net/tls_stream.hpp"

#include <openssl/err.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace wsprobe::harness {

TlsStream::TlsStream(SSL_CTX* ctx, int fd) : ssl_(SSL_new(ctx), &SSL_free), fd_(fd) {
  if (!ssl_) return;
  (void)SSL_set_fd(ssl_.get(), fd);
  // Writes return as soon as a record is out (partial writes), and a retry may come from another
  // address (the caller passes a subspan of its buffer).
  SSL_set_mode(ssl_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

bool TlsStream::wait(int ret, Clock::time_point deadline, size_t done, IoResult& result) {
  const int code = SSL_get_error(ssl_.get(), ret);
  short events = 0;
  if (code == SSL_ERROR_WANT_READ) events = POLLIN;
  if (code == SSL_ERROR_WANT_WRITE) events = POLLOUT;
  if (events == 0) {
    const int saved = errno;
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (code == SSL_ERROR_ZERO_RETURN) {
      result = {IoStatus::closed, done, "the peer closed TLS (close_notify)"};
    } else if ((code == SSL_ERROR_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) ||
               (code == SSL_ERROR_SYSCALL && e == 0 &&
                (saved == 0 || saved == ECONNRESET || saved == EPIPE))) {
      // TCP ended without close_notify, or was reset: the peer is gone either way.
      result = {IoStatus::closed, done,
                saved == 0 || code == SSL_ERROR_SSL ? std::string("stream truncated")
                                                    : std::strerror(saved)};
    } else if (code == SSL_ERROR_SYSCALL && e == 0) {
      result = {IoStatus::error, done, std::strerror(saved)};
    } else {
      const char* why = e != 0 ? ERR_reason_error_string(e) : nullptr;
      result = {IoStatus::error, done, why != nullptr ? why : "TLS error " + std::to_string(code)};
    }
    return false;
  }
  if (deadline == Transport::no_wait) {
    result = {IoStatus::timeout, done, "timed out"};
    return false;
  }
  // A deadline already past still gives the peer a moment, as for plain TCP (transport.hpp).
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  const int ms = static_cast<int>(std::clamp<int64_t>(left.count(), 1, INT_MAX));
  pollfd p{fd_, events, 0};
  int n = 0;
  do {
    n = ::poll(&p, 1, ms);
  } while (n < 0 && errno == EINTR);
  if (n == 0) {
    result = {IoStatus::timeout, done, "timed out"};
    return false;
  }
  return true;  // ready, or an error poll reports: the next SSL call says which
}

IoResult TlsStream::handshake(bool client, const std::string& host, Clock::time_point deadline) {
  if (!ssl_) return {IoStatus::error, 0, "cannot create a TLS session"};
  if (client) {
    if (!host.empty()) (void)SSL_set_tlsext_host_name(ssl_.get(), host.c_str());
    SSL_set_connect_state(ssl_.get());
  } else {
    SSL_set_accept_state(ssl_.get());
  }
  IoResult result;
  for (;;) {
    ERR_clear_error();
    const int ret = SSL_do_handshake(ssl_.get());
    if (ret == 1) return {};
    if (!wait(ret, deadline, 0, result)) return result;
  }
}

IoResult TlsStream::write(std::span<const uint8_t> bytes, Clock::time_point deadline) {
  size_t done = 0;
  IoResult result;
  while (done < bytes.size()) {
    ERR_clear_error();
    const int chunk = static_cast<int>(std::min<size_t>(bytes.size() - done, INT_MAX));
    const int ret = SSL_write(ssl_.get(), bytes.data() + done, chunk);
    if (ret > 0) {
      done += static_cast<size_t>(ret);
      continue;
    }
    if (!wait(ret, deadline, done, result)) return result;
  }
  return {IoStatus::ok, done, {}};
}

IoResult TlsStream::read_some(std::span<uint8_t> buffer, Clock::time_point deadline) {
  IoResult result;
  for (;;) {
    ERR_clear_error();
    const int want = static_cast<int>(std::min<size_t>(buffer.size(), INT_MAX));
    const int ret = SSL_read(ssl_.get(), buffer.data(), want);
    if (ret > 0) return {IoStatus::ok, static_cast<size_t>(ret), {}};
    if (!wait(ret, deadline, 0, result)) return result;
  }
}

void TlsStream::shutdown_write() {
  ERR_clear_error();
  (void)SSL_shutdown(ssl_.get());  // sends close_notify; the peer's is read as data ends
  ERR_clear_error();
}

}  // namespace wsprobe::harness
