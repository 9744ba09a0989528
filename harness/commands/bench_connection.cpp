#include "commands/bench_connection.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "commands/connect.hpp"
#include "wsprobe/connection.hpp"
#include "wsprobe/handshake.hpp"

namespace wsprobe::harness {

void BenchSignals::settle() {
  const std::lock_guard lock(mutex);
  ++settled;
  changed.notify_all();
}

void BenchSignals::finish() {
  const std::lock_guard lock(mutex);
  ++finished;
  changed.notify_all();
}

void write_sequence(uint64_t seq, bool text, std::span<uint8_t> prefix) {
  static constexpr char digits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < prefix.size() && i < 8; ++i) {
    prefix[i] = text ? static_cast<uint8_t>(digits[(seq >> (6 * i)) & 63])
                     : static_cast<uint8_t>(seq >> (8 * i));
  }
}

namespace {

using asio::ip::tcp;

constexpr size_t max_errors_kept = 10;

tcp::socket& lowest(tcp::socket& s) {
  return s;
}
tcp::socket& lowest(asio::ssl::stream<tcp::socket>& s) {
  return s.next_layer();
}

// Masking keys must be unpredictable (RFC 6455 5.3, 10.3): OpenSSL's generator, drawn 4 KiB at a
// time, since a key per message at millions of messages a second would make RAND_bytes the cost.
codec::RandomSource batched_random() {
  struct Pool {
    std::array<uint8_t, 4096> bytes{};
    size_t used = 4096;
  };
  auto pool = std::make_shared<Pool>();
  return [pool](std::span<uint8_t> out) {
    for (auto& b : out) {
      if (pool->used == pool->bytes.size()) {
        if (RAND_bytes(pool->bytes.data(), static_cast<int>(pool->bytes.size())) != 1) {
          (void)std::fputs(
              "wsprobe: OpenSSL RAND_bytes failed; refusing to send predictable masks\n", stderr);
          std::abort();
        }
        pool->used = 0;
      }
      b = pool->bytes[pool->used++];
    }
  };
}

enum class Phase : uint8_t { connecting, ready, running, draining, closing, done };

template <class Stream>
class Connection final : public BenchConnection,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(Stream stream, const BenchPlan& plan, BenchSignals& signals, unsigned index)
      : stream_(std::move(stream)),
        plan_(plan),
        signals_(signals),
        index_(index),
        timer_(lowest(stream_).get_executor()),
        random_(batched_random()),
        message_(plan.payload),
        sent_at_(plan.in_flight),
        buf_(plan.size > 4096 ? 256 << 10 : 64 << 10) {}

  void start(Clock::time_point deadline) override {
    arm(deadline);
    asio::async_connect(
        lowest(stream_), plan_.endpoints,
        [self = this->shared_from_this()](const asio::error_code& ec, const tcp::endpoint&) {
          if (self->phase_ == Phase::done) return;
          if (ec) {
            return self->fail("cannot connect to " + self->plan_.url.host_header() + ": " +
                              ec.message());
          }
          asio::error_code ignored;
          lowest(self->stream_).set_option(tcp::no_delay(true), ignored);
          self->start_tls();
        });
  }

  void go(Clock::time_point send_until, uint64_t quota, Clock::time_point hard_deadline) override {
    if (phase_ != Phase::ready) return;
    phase_ = Phase::running;
    send_until_ = send_until;
    quota_ = quota;
    arm(hard_deadline);
    refill();
    flush();
  }

  BenchTally& tally() override { return tally_; }

 private:
  void start_tls() {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      send_request();
    } else {
      SSL_set_tlsext_host_name(stream_.native_handle(), plan_.url.host.c_str());
      stream_.async_handshake(asio::ssl::stream_base::client,
                              [self = this->shared_from_this()](const asio::error_code& ec) {
                                if (self->phase_ == Phase::done) return;
                                if (ec) return self->fail("TLS handshake failed: " + ec.message());
                                self->send_request();
                              });
    }
  }

  void send_request() {
    codec::ClientOptions c;
    c.host = plan_.url.host_header();
    c.target = plan_.url.target;
    c.subprotocols = plan_.subprotocols;
    if (plan_.deflate) c.deflate = default_deflate_offer();
    handshake_.emplace(c, random_);
    asio::async_write(stream_, asio::buffer(handshake_->request_bytes()),
                      [self = this->shared_from_this()](const asio::error_code& ec, size_t) {
                        if (self->phase_ == Phase::done) return;
                        if (ec) return self->fail("cannot send the handshake: " + ec.message());
                        self->read_response();
                      });
  }

  void read_response() {
    stream_.async_read_some(asio::buffer(buf_), [self = this->shared_from_this()](
                                                    const asio::error_code& ec, size_t n) {
      if (self->phase_ == Phase::done) return;
      if (ec) return self->fail("no handshake response: " + ec.message());
      self->on_response({self->buf_.data(), n});
    });
  }

  // RFC 6455 4.1: the client's checks of the server's response, by the codec.
  void on_response(std::span<const uint8_t> bytes) {
    const auto status = handshake_->feed(bytes);
    if (status == codec::HandshakeStatus::incomplete) return read_response();
    if (status == codec::HandshakeStatus::error)
      return fail("malformed handshake response: " + std::string(handshake_->error().reason));
    const auto accepted = handshake_->validate();
    if (!accepted) {
      return fail("handshake rejected (HTTP " + std::to_string(handshake_->response().status) +
                  "): " + std::string(accepted.error().reason));
    }
    codec::ConnectionOptions o;
    o.role = codec::Role::client;
    o.max_message_size = std::max<uint64_t>(plan_.size, 125);
    o.deflate = accepted->deflate;
    o.random = random_;
    conn_.emplace(o);
    tally_.opened = true;
    tally_.deflate_agreed = accepted->deflate.has_value();
    phase_ = Phase::ready;
    timer_.cancel();  // the run starts every connection at once, with its own deadlines (go)
    settled_ = true;
    signals_.settle();
    conn_->receive(handshake_->leftover());
    handshake_.reset();
    after_input();
    if (phase_ != Phase::done) read();
  }

  void read() {
    stream_.async_read_some(asio::buffer(buf_), [self = this->shared_from_this()](
                                                    const asio::error_code& ec, size_t n) {
      if (self->phase_ == Phase::done) return;
      if (ec) {
        self->conn_->receive_eof();
        self->after_input();
        return self->ended(ec);
      }
      self->conn_->receive({self->buf_.data(), n});
      self->after_input();
      if (self->phase_ != Phase::done) self->read();
    });
  }

  void after_input() {
    const auto now = Clock::now();  // when these bytes arrived: one clock read per read
    for (auto& e : conn_->events()) {
      if (auto* m = std::get_if<codec::MessageEvent>(&e)) {
        check(*m, now);
      } else if (auto* c = std::get_if<codec::CloseEvent>(&e)) {
        on_close(*c);
      } else if (auto* f = std::get_if<codec::FailureEvent>(&e)) {
        error("failed the connection (" + std::to_string(f->error.close_code) +
              "): " + std::string(f->error.reason));
      }
    }
    tally_.progress_echoed.store(tally_.echoed, std::memory_order_relaxed);
    refill();
    flush();
  }

  // An echo, in order: the oldest message in flight, with the same type, length and bytes.
  void check(const codec::MessageEvent& m, Clock::time_point now) {
    if (in_flight_ == 0) return wrong("an echo arrived with no message in flight");
    const auto sent = sent_at_[head_];
    head_ = (head_ + 1) % sent_at_.size();
    --in_flight_;
    const uint64_t seq = tally_.echoed++;
    tally_.last_echo = now;
    tally_.latency.add(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - sent).count()));
    const auto want = plan_.text ? codec::Opcode::text : codec::Opcode::binary;
    const auto what = [&] {
      return "echo " + std::to_string(seq) + " on connection " + std::to_string(index_) + ": ";
    };
    if (m.opcode != want || m.data.size() != plan_.size) {
      return wrong(what() + "expected " + (plan_.text ? "text" : "binary") + " of " +
                   std::to_string(plan_.size) + " bytes, got " +
                   (m.opcode == codec::Opcode::text ? "text" : "binary") + " of " +
                   std::to_string(m.data.size()) + " bytes");
    }
    std::array<uint8_t, 8> prefix{};
    const size_t p = std::min<size_t>(plan_.size, prefix.size());
    write_sequence(seq, plan_.text, prefix);
    const auto* got = m.data.data();
    if (std::memcmp(got, prefix.data(), p) != 0 ||
        std::memcmp(got + p, plan_.payload.data() + p, plan_.size - p) != 0) {
      size_t at = 0;
      while (at < p && got[at] == prefix[at])
        ++at;
      if (at == p) {
        while (at < plan_.size && got[at] == plan_.payload[at])
          ++at;
      }
      wrong(what() + "content differs from the message sent at byte " + std::to_string(at));
    }
  }

  void on_close(const codec::CloseEvent& c) {
    if (!c.remote) {  // the transport ended without a close frame
      if (phase_ != Phase::closing) error("the connection ended without a close frame (1006)");
      return;
    }
    if (phase_ == Phase::closing) {
      close_received_ = true;
      return;
    }
    error("the server closed the connection (" + std::to_string(c.code) +
          (c.reason.empty() ? "" : " " + c.reason) + ") with " + std::to_string(in_flight_) +
          " echoes due");
  }

  // Keeps `in_flight` messages unanswered until the time or the quota is up, then closes once
  // every echo is back.
  void refill() {
    if (phase_ == Phase::running) {
      const auto now = Clock::now();
      if (now >= send_until_) phase_ = Phase::draining;
      while (phase_ == Phase::running && in_flight_ < sent_at_.size()) {
        if (tally_.sent == quota_) {
          phase_ = Phase::draining;
          break;
        }
        send_one(now);
      }
    }
    if (phase_ == Phase::draining && in_flight_ == 0) {
      phase_ = Phase::closing;
      (void)conn_->send_close(codec::close_code::normal);  // RFC 6455 7.1.2
    }
  }

  void send_one(Clock::time_point now) {
    write_sequence(tally_.sent, plan_.text,
                   std::span(message_).first(std::min<size_t>(8, message_.size())));
    if (plan_.text) {
      (void)conn_->send_text({reinterpret_cast<const char*>(message_.data()), message_.size()});
    } else {
      (void)conn_->send_binary(message_);
    }
    sent_at_[(head_ + in_flight_) % sent_at_.size()] = now;
    ++in_flight_;
    ++tally_.sent;
  }

  void flush() {
    if (writing_ || phase_ == Phase::done || !conn_) return;
    out_ = conn_->bytes_to_send();
    if (out_.empty()) return;
    writing_ = true;
    asio::async_write(stream_, asio::buffer(out_),
                      [self = this->shared_from_this()](const asio::error_code& ec, size_t) {
                        self->writing_ = false;
                        if (self->phase_ == Phase::done) return;
                        if (ec) return self->ended(ec);
                        self->refill();
                        self->flush();
                      });
  }

  // The transport ended (EOF, reset, a failed write).
  void ended(const asio::error_code& ec) {
    if (phase_ == Phase::closing) {
      // RFC 6455 7.1.1: after the closing handshake the server closes TCP first.
      // Over TLS the server may close TCP without a close_notify: the stream is then truncated.
      tally_.closed_cleanly =
          close_received_ && (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated);
    } else if (tally_.broken == 0) {
      error("the connection ended (" + ec.message() + ") with " + std::to_string(in_flight_) +
            " echoes due");
    }
    finish();
  }

  void arm(Clock::time_point deadline) {
    timer_.expires_at(deadline);
    timer_.async_wait([self = this->shared_from_this()](const asio::error_code& ec) {
      if (ec || self->phase_ == Phase::done) return;
      if (self->phase_ == Phase::connecting) return self->fail("no handshake within the timeout");
      if (self->phase_ == Phase::running || self->phase_ == Phase::draining) {
        self->error(std::to_string(self->in_flight_) + " echoes still due at the deadline");
      }
      self->finish();  // closing: the server did not finish the closing handshake in time
    });
  }

  void wrong(const std::string& why) {
    ++tally_.wrong;
    note(why);
  }

  // A connection-level error: counted once per connection.
  void error(const std::string& why) {
    if (tally_.broken != 0) return;
    tally_.broken = 1;
    note(why);
    if (phase_ != Phase::closing) phase_ = Phase::draining;  // nothing more is sent
  }

  void note(const std::string& why) {
    tally_.progress_errors.fetch_add(1, std::memory_order_relaxed);
    if (tally_.errors.size() < max_errors_kept) tally_.errors.push_back(why);
  }

  // Before the connection was open.
  void fail(const std::string& why) {
    note(why);
    finish();
  }

  void finish() {
    if (phase_ == Phase::done) return;
    phase_ = Phase::done;
    asio::error_code ignored;
    timer_.cancel();
    lowest(stream_).close(ignored);
    if (!settled_) signals_.settle();
    settled_ = true;
    signals_.finish();
  }

  Stream stream_;
  const BenchPlan& plan_;
  BenchSignals& signals_;
  unsigned index_;
  asio::steady_timer timer_;
  codec::RandomSource random_;
  std::optional<codec::ClientHandshake> handshake_;
  std::optional<codec::Connection> conn_;
  Phase phase_ = Phase::connecting;
  bool settled_ = false;
  bool close_received_ = false;
  bool writing_ = false;
  Clock::time_point send_until_{};
  uint64_t quota_ = 0;
  std::vector<uint8_t> message_;  // the payload with the next message's number in front
  // Send times of the messages in flight, oldest at head_ (a ring of in_flight slots).
  std::vector<Clock::time_point> sent_at_;
  size_t head_ = 0;
  size_t in_flight_ = 0;
  std::vector<uint8_t> buf_;
  std::vector<uint8_t> out_;
  BenchTally tally_;
};

}  // namespace

std::shared_ptr<BenchConnection> BenchConnection::create(asio::io_context& ctx,
                                                         const BenchPlan& plan,
                                                         BenchSignals& signals, unsigned index) {
  if (plan.tls != nullptr) {
    return std::make_shared<Connection<asio::ssl::stream<tcp::socket>>>(
        asio::ssl::stream<tcp::socket>(tcp::socket(ctx), *plan.tls), plan, signals, index);
  }
  return std::make_shared<Connection<tcp::socket>>(tcp::socket(ctx), plan, signals, index);
}

}  // namespace wsprobe::harness
