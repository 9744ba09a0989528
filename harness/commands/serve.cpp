#include "commands/serve.hpp"

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <atomic>
#include <cstdio>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <deque>
#include <memory>
#include <optional>
#include <thread>

#include "net/tls.hpp"
#include "wsprobe/connection.hpp"
#include "wsprobe/handshake.hpp"

namespace wsprobe::harness {
namespace {

using asio::ip::tcp;

// One per event loop (below). 256 KiB: a pipelining client's 64 KiB messages come in several
// to a read (each recv(2) costs more than its copy), and the echoes of one read's small
// messages, one output buffer, stay well under glibc's mmap threshold (see mallopt in serve()).
constexpr size_t read_size = size_t{256} << 10;
// Reads of a readable socket, while each fills the buffer, before going back to the event loop
// (which then lets other connections have their turn): one wakeup takes in what a pipelining
// client has sent without a round trip through epoll per read.
constexpr int reads_per_wakeup = 8;
// A TLS session's own read buffer (OpenSSL keeps the records): smaller, since every connection
// holds one.
constexpr size_t tls_read_size = size_t{64} << 10;
// Buffers handed to one writev(2).
constexpr size_t max_gather = 64;
constexpr auto linger_timeout = std::chrono::seconds(2);

// One read buffer per event loop, not per connection: an idle connection then costs its socket
// and codec state only (a few KiB), so tens of thousands can be held. Bytes read into it are
// consumed (unmasked in place by the codec, which keeps what it needs) before the loop runs
// anything else.
std::span<uint8_t> loop_read_buffer() {
  thread_local std::vector<uint8_t> buffer(read_size);
  return buffer;
}

// Connections alive over all loops, against ServeOptions::max_connections.
std::atomic<size_t> live_connections{0};

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
      : stream_(std::move(stream)), options_(options), timer_(lowest(stream_).get_executor()) {
    ++live_connections;
    if constexpr (!std::is_same_v<Stream, tcp::socket>) tls_buffer_.resize(tls_read_size);
  }
  ~Session() { --live_connections; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  Session(Session&&) = delete;
  Session& operator=(Session&&) = delete;

  // Over the connection limit: a 503 (RFC 9110 15.6.4) instead of the handshake.
  void refuse_busy() {
    closing_read_ = true;
    reply_and_close(
        codec::serialize_response({503}, {{"Connection", "close"}, {"Retry-After", "1"}}));
  }

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
    if (reading_ || closing_ || closing_read_) return;
    reading_ = true;
    auto done = [self = this->shared_from_this()](const asio::error_code& ec,
                                                  std::span<uint8_t> bytes) {
      self->reading_ = false;
      if (ec == asio::error::would_block) return self->read();
      if (ec) {
        if (self->conn_) self->conn_->receive_eof();
        return self->shutdown();
      }
      self->on_bytes(bytes);
      if (self->queued_ < self->options_.max_backlog) self->read();
    };
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      // Wait until readable, then read into the loop's buffer (see loop_read_buffer), again while
      // a read fills it (more is waiting) and the output backlog allows (reads_per_wakeup).
      stream_.async_wait(tcp::socket::wait_read, [this, done](const asio::error_code& ec) {
        if (ec) return done(ec, {});
        auto buffer = loop_read_buffer();
        for (int i = 1;; ++i) {
          asio::error_code rec;
          const size_t n = stream_.read_some(asio::buffer(buffer.data(), buffer.size()), rec);
          if (rec || n < buffer.size() || i == reads_per_wakeup) return done(rec, buffer.first(n));
          on_bytes(buffer.first(n));
          if (closing_ || closing_read_ || queued_ >= options_.max_backlog) {
            reading_ = false;
            if (queued_ < options_.max_backlog) read();  // else write() resumes reading
            return;
          }
        }
      });
    } else {
      // TLS keeps records in OpenSSL's buffers: read through the stream into its own buffer.
      stream_.async_read_some(asio::buffer(tls_buffer_),
                              [this, done](const asio::error_code& ec, size_t n) {
                                done(ec, std::span<uint8_t>(tls_buffer_.data(), n));
                              });
    }
  }

  // `data` is scratch: the codec unmasks it in place.
  void on_bytes(std::span<uint8_t> data) {
    if (!conn_) {
      if (handshake_.feed(data) == codec::HandshakeStatus::incomplete) return;
      if (handshake_.status() == codec::HandshakeStatus::complete &&
          handshake_.kind() == codec::RequestKind::plain_http) {
        // Plain HTTP on the WebSocket port: a status page for GET, 405 otherwise (RFC 9110 15.5.6).
        const auto& request = handshake_.request();
        if (request.method != "GET")
          return reply_and_close(handshake_.reject(405, {{"Allow", "GET"}}));
        return reply_and_close(codec::serialize_response(
            {200}, {{"Content-Type", "text/html; charset=utf-8"}, {"Connection", "close"}},
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
      o.deflate_level = options_.deflate_level;
      conn_.emplace(o);
      conn_->receive(handshake_.leftover());  // frames in the same segment as the handshake
    } else {
      conn_->receive_in_place(data);
    }
    for (auto& event : conn_->events()) {
      // The payload moves into the output, not copied (codec::Connection::echo).
      if (auto* m = std::get_if<codec::MessageEvent>(&event)) (void)conn_->echo(std::move(*m));
    }
    flush();
  }

  void flush() {
    for (auto& out : conn_->take_output())
      enqueue(std::move(out));
    write();  // all of it in one gathered write, not the first buffer alone
    // RFC 6455 7.1.1: the server closes TCP after the closing handshake (or after failing).
    if (conn_->should_close_transport()) close_after_write_ = true;
    if (close_after_write_ && !writing_) shutdown();
  }

  void reply_and_close(const std::string& response) {
    close_after_write_ = true;
    queue(to_bytes(response));
  }

  void queue(std::vector<uint8_t> bytes) {
    enqueue(std::move(bytes));
    write();
  }

  void enqueue(std::vector<uint8_t> bytes) {
    queued_ += bytes.size();
    out_.push_back(std::move(bytes));
  }

  // Everything queued goes out in one gathered write (writev), up to max_gather buffers.
  void write() {
    if (writing_ || out_.empty()) return;
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      write_now();
    } else {
      write_async();
    }
  }

  // Plain TCP: the socket is non-blocking, so the write is made here and now, as much as the
  // socket takes; only the rest waits for writability. No completion goes through the event
  // loop, and echoes queued later in the same wakeup are written at once, not after it.
  void write_now() {
    while (!out_.empty()) {
      gather_.clear();
      gather_.push_back(asio::buffer(out_.front()) + front_sent_);
      for (size_t i = 1; i < out_.size() && i < max_gather; ++i)
        gather_.push_back(asio::buffer(out_[i]));
      asio::error_code ec;
      const size_t n = stream_.write_some(gather_, ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        writing_ = true;
        stream_.async_wait(tcp::socket::wait_write,
                           [self = this->shared_from_this()](const asio::error_code& wec) {
                             self->writing_ = false;
                             if (wec) return self->shutdown();
                             self->write();
                           });
        return;
      }
      if (ec) return shutdown();
      sent(n);
    }
    if (close_after_write_) return shutdown();
    read();  // resume if backpressure paused reading
  }

  // Drops the `n` bytes written from the front of out_.
  void sent(size_t n) {
    queued_ -= n;
    n += front_sent_;
    while (!out_.empty() && n >= out_.front().size()) {
      n -= out_.front().size();
      out_.pop_front();
    }
    front_sent_ = n;
  }

  // TLS: records are written by the stream, asynchronously.
  void write_async() {
    writing_ = true;
    gather_.clear();
    for (size_t i = 0; i < out_.size() && i < max_gather; ++i)
      gather_.push_back(asio::buffer(out_[i]));
    asio::async_write(stream_, gather_,
                      [self = this->shared_from_this()](const asio::error_code& ec, size_t n) {
                        self->writing_ = false;
                        self->queued_ -= n;
                        for (size_t i = 0; i < self->gather_.size(); ++i)
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
    lowest(stream_).async_wait(
        tcp::socket::wait_read, [self = this->shared_from_this()](const asio::error_code& ec) {
          if (ec) return self->close_now();
          auto buffer = loop_read_buffer();
          asio::error_code rec;
          (void)lowest(self->stream_).read_some(asio::buffer(buffer.data(), buffer.size()), rec);
          if (rec && rec != asio::error::would_block) return self->close_now();
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
  std::vector<uint8_t> tls_buffer_;  // TLS only: plain TCP reads into loop_read_buffer()
  std::deque<std::vector<uint8_t>> out_;
  std::vector<asio::const_buffer> gather_;  // the write in progress: the front of out_
  size_t front_sent_ = 0;                   // plain TCP: bytes of out_.front() already written
  size_t queued_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool close_after_write_ = false;
  bool closing_ = false;
  bool closing_read_ = false;  // refused: write the answer, read nothing
};

}  // namespace

int serve(const ServeOptions& options) {
#ifdef __GLIBC__
  // Keep freed memory for the next messages instead of handing it back to the kernel after each
  // burst: by default glibc trims the heap top beyond 128 KiB free and maps blocks from 128 KiB
  // afresh, so every burst of pipelined echoes paid page faults on memory it had just freed
  // (6% of the CPU at 1 KiB, more at 64 KiB). Larger blocks (big messages) are still mapped.
  (void)mallopt(M_MMAP_THRESHOLD, 4 << 20);
  (void)mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
  const unsigned loops =
      options.threads != 0 ? options.threads : std::max(1U, std::thread::hardware_concurrency());
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  for (unsigned i = 0; i < loops; ++i)
    contexts.push_back(std::make_unique<asio::io_context>(1));
  asio::io_context& ctx = *contexts.front();
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
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  keep_running.reserve(contexts.size());
  for (auto& c : contexts)
    keep_running.push_back(asio::make_work_guard(*c));
  asio::signal_set signals(ctx, SIGINT, SIGTERM);
  signals.async_wait([&](const asio::error_code&, int) {
    asio::error_code ignored;
    acceptor.close(ignored);
    for (auto& c : contexts)
      c->stop();
  });

  // Connections go to the loops in turn; each session lives on its loop alone, started there.
  size_t next = 0;
  std::function<void()> accept = [&] {
    auto& loop = *contexts[next++ % contexts.size()];
    acceptor.async_accept(loop, [&](const asio::error_code& e, tcp::socket socket) {
      if (e) {
        if (e != asio::error::operation_aborted) accept();
        return;
      }
      asio::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      socket.non_blocking(true, ignored);
      const bool busy = live_connections.load() >= options.max_connections;
      auto executor = socket.get_executor();
      if (tls) {
        if (busy) {
          socket.close(ignored);  // no TLS handshake to spend on a connection we refuse
        } else {
          auto session = std::make_shared<Session<asio::ssl::stream<tcp::socket>>>(
              asio::ssl::stream<tcp::socket>(std::move(socket), ssl), options);
          asio::post(executor, [session] { session->start(); });
        }
      } else {
        auto session = std::make_shared<Session<tcp::socket>>(std::move(socket), options);
        asio::post(executor, [session, busy] { busy ? session->refuse_busy() : session->start(); });
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
  std::vector<std::thread> threads;
  for (size_t i = 1; i < contexts.size(); ++i)
    threads.emplace_back([&c = *contexts[i]] { c.run(); });
  ctx.run();
  for (auto& t : threads)
    t.join();
  return 0;
}

}  // namespace wsprobe::harness
