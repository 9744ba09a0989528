#include "server/echo_server.hpp"

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <cstdio>
#include <deque>
#include <memory>
#include <optional>

#include "net/tls.hpp"
#include "wsprobe/connection.hpp"
#include "wsprobe/handshake.hpp"

namespace wsprobe::harness {
namespace {

using asio::ip::tcp;

constexpr size_t read_size = 65536;
constexpr size_t backlog_limit = size_t{8} << 20;  // stop reading while this much waits to go out
constexpr auto linger_timeout = std::chrono::seconds(2);

std::string status_page_body(std::string_view host) {
  return "<!doctype html><title>wsprobe</title><h1>wsprobe reference echo server</h1>"
         "<p>This port speaks WebSocket (RFC 6455): connect to ws://" +
         std::string(host) + "/ and every message comes back as it was sent.</p>\n";
}

std::vector<uint8_t> to_bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

tcp::socket& lowest(tcp::socket& s) {
  return s;
}
tcp::socket& lowest(asio::ssl::stream<tcp::socket>& s) {
  return s.next_layer();
}

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, const ServeOptions& options)
      : stream_(std::move(stream)), options_(options), timer_(lowest(stream_).get_executor()) {}

  void start() {
    timer_.expires_after(
        std::chrono::milliseconds(static_cast<int64_t>(options_.handshake_timeout * 1000)));
    timer_.async_wait([self = this->shared_from_this()](const asio::error_code& ec) {
      if (!ec && !self->conn_ && !self->closing_) self->shutdown();  // the handshake took too long
    });
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      read();
    } else {
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](const asio::error_code& ec) {
                                if (ec) return self->shutdown();
                                self->read();
                              });
    }
  }

 private:
  void read() {
    if (reading_ || closing_) return;
    reading_ = true;
    stream_.async_read_some(asio::buffer(buf_), [self = this->shared_from_this()](
                                                    const asio::error_code& ec, size_t n) {
      self->reading_ = false;
      if (ec) {
        if (self->conn_) self->conn_->receive_eof();
        return self->shutdown();
      }
      self->on_bytes(std::span<const uint8_t>(self->buf_.data(), n));
      if (self->queued_ < backlog_limit) self->read();
    });
  }

  void on_bytes(std::span<const uint8_t> data) {
    if (!conn_) {
      if (handshake_.feed(data) == codec::HandshakeStatus::incomplete) return;
      if (handshake_.status() == codec::HandshakeStatus::complete &&
          handshake_.kind() == codec::RequestKind::plain_http) {
        // Plain HTTP on the WebSocket port: a status page for GET, 405 otherwise (RFC 9110 15.5.6).
        const auto& request = handshake_.request();
        if (request.method != "GET")
          return reply_and_close(handshake_.reject(405, {{"Allow", "GET"}}));
        return reply_and_close(codec::serialize_response(
            codec::http_response(
                200, {{"Content-Type", "text/html; charset=utf-8"}, {"Connection", "close"}}),
            status_page_body(request.headers.single("Host").value_or("localhost"))));
      }
      codec::ServerOptions server;
      server.subprotocols = options_.subprotocols;
      if (options_.deflate) server.deflate = options_.deflate_config;
      auto answer = handshake_.accept(server);
      if (!answer.accepted()) return reply_and_close(answer.bytes);
      timer_.cancel();
      queue(to_bytes(answer.bytes));
      codec::ConnectionOptions o;
      o.role = codec::Role::server;
      o.max_message_size = options_.max_message_size;
      o.deflate = answer.result->deflate;
      conn_.emplace(o);
      data = handshake_.leftover();  // frames in the same segment as the handshake
    }
    conn_->receive(data);
    for (auto& event : conn_->events()) {
      if (auto* m = std::get_if<codec::MessageEvent>(&event)) {
        if (m->opcode == codec::Opcode::text) {
          (void)conn_->send_text(m->text());
        } else {
          (void)conn_->send_binary(m->data);
        }
      }
    }
    flush();
  }

  void flush() {
    auto out = conn_->bytes_to_send();
    if (!out.empty()) queue(std::move(out));
    // RFC 6455 7.1.1: the server closes TCP after the closing handshake (or after failing).
    if (conn_->should_close_transport()) close_after_write_ = true;
    if (close_after_write_ && !writing_) shutdown();
  }

  void reply_and_close(const std::string& response) {
    close_after_write_ = true;
    queue(to_bytes(response));
  }

  void queue(std::vector<uint8_t> bytes) {
    queued_ += bytes.size();
    out_.push_back(std::move(bytes));
    write();
  }

  void write() {
    if (writing_ || out_.empty()) return;
    writing_ = true;
    asio::async_write(stream_, asio::buffer(out_.front()),
                      [self = this->shared_from_this()](const asio::error_code& ec, size_t n) {
                        self->writing_ = false;
                        self->queued_ -= n;
                        self->out_.pop_front();
                        if (ec) return self->shutdown();
                        if (!self->out_.empty()) return self->write();
                        if (self->close_after_write_) return self->shutdown();
                        self->read();  // resume if backpressure paused reading
                      });
  }

  // Closes gracefully: FIN first, then read and discard until the client closes too (or a
  // timeout). Closing a socket with unread input makes the kernel send RST, and an RST can
  // destroy the close frame just sent before the client reads it.
  void shutdown() {
    if (closing_) return;
    closing_ = true;
    asio::error_code ignored;
    lowest(stream_).shutdown(tcp::socket::shutdown_send, ignored);
    timer_.cancel();
    timer_.expires_after(linger_timeout);
    timer_.async_wait([self = this->shared_from_this()](const asio::error_code& ec) {
      if (!ec) self->close_now();
    });
    drain();
  }

  void drain() {
    lowest(stream_).async_read_some(
        asio::buffer(buf_), [self = this->shared_from_this()](const asio::error_code& ec, size_t) {
          if (ec) return self->close_now();
          self->drain();
        });
  }

  void close_now() {
    asio::error_code ignored;
    timer_.cancel();
    lowest(stream_).close(ignored);
  }

  Stream stream_;
  const ServeOptions& options_;
  asio::steady_timer timer_;
  codec::ServerHandshake handshake_;
  std::optional<codec::Connection> conn_;
  std::array<uint8_t, read_size> buf_{};
  std::deque<std::vector<uint8_t>> out_;
  size_t queued_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool close_after_write_ = false;
  bool closing_ = false;
};

}  // namespace

int serve(const ServeOptions& options) {
  asio::io_context ctx;
  asio::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) {
    (void)std::fprintf(stderr, "wsprobe serve: invalid --host %s: %s\n", options.host.c_str(),
                       ec.message().c_str());
    return 2;
  }
  tcp::acceptor acceptor(ctx);
  const tcp::endpoint endpoint(address, options.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    (void)std::fprintf(stderr, "wsprobe serve: cannot listen on %s:%u: %s\n", options.host.c_str(),
                       static_cast<unsigned>(options.port), ec.message().c_str());
    return 2;
  }
  const bool tls = !options.cert_file.empty();
  asio::ssl::context ssl(asio::ssl::context::tls_server);
  if (tls) {
    std::string error;
    if (!load_certificate(ssl, options.cert_file, options.key_file, error)) {
      (void)std::fprintf(stderr, "wsprobe serve: %s\n", error.c_str());
      return 2;
    }
  }
  asio::signal_set signals(ctx, SIGINT, SIGTERM);
  signals.async_wait([&](const asio::error_code&, int) {
    asio::error_code ignored;
    acceptor.close(ignored);
    ctx.stop();
  });

  std::function<void()> accept = [&] {
    acceptor.async_accept([&](const asio::error_code& e, tcp::socket socket) {
      if (e) {
        if (e != asio::error::operation_aborted) accept();
        return;
      }
      asio::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (tls) {
        std::make_shared<Session<asio::ssl::stream<tcp::socket>>>(
            asio::ssl::stream<tcp::socket>(std::move(socket), ssl), options)
            ->start();
      } else {
        std::make_shared<Session<tcp::socket>>(std::move(socket), options)->start();
      }
      accept();
    });
  };
  accept();

  const auto port = acceptor.local_endpoint().port();
  const bool v6 = address.is_v6();
  std::printf("listening on %s://%s%s%s:%u/\n", tls ? "wss" : "ws", v6 ? "[" : "",
              options.host.c_str(), v6 ? "]" : "", static_cast<unsigned>(port));
  (void)std::fflush(stdout);
  ctx.run();
  return 0;
}

}  // namespace wsprobe::harness
