#include "commands/connect.hpp"

#include <cstdio>
#include <iostream>

#include "engine/describe.hpp"
#include "wsprobe/connection.hpp"
#include "wsprobe/handshake.hpp"

namespace wsprobe::harness {
namespace {

std::vector<uint8_t> hex_bytes(const std::string& hex, bool& ok) {
  std::vector<uint8_t> out;
  ok = hex.size() % 2 == 0 && hex.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
  for (size_t i = 0; ok && i < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return out;
}

class Client {
 public:
  explicit Client(const ConnectOptions& o) : o_(o) {}

  int run() {
    std::string error;
    const auto url = parse_url(o_.url, error);
    if (!url) return fail_usage(error);
    std::vector<std::vector<uint8_t>> binaries;
    for (const auto& h : o_.binaries_hex) {
      bool ok = false;
      binaries.push_back(hex_bytes(h, ok));
      if (!ok) return fail_usage("--binary wants hex digits, got '" + h + "'");
    }
    std::vector<std::string> texts = o_.texts;
    if (o_.read_stdin) {
      for (std::string line; std::getline(std::cin, line);)
        texts.push_back(line);
    }
    transport_ = Transport::connect(*url, deadline(), o_.tls, error);
    if (!transport_) return fail_usage(error);
    if (!handshake(*url)) return 1;
    size_t sent = 0;
    for (const auto& t : texts) {
      if (auto err = conn_->send_text(t))
        return fail("cannot send text: " + std::string(err->reason));
      ++sent;
    }
    for (const auto& b : binaries) {
      (void)conn_->send_binary(b);
      ++sent;
    }
    if (!flush()) return 1;
    if (o_.echo) {
      // A test client: answer every message until the server closes (bounded by idle time).
      while (!done_ && pump(deadline())) {
      }
      return outcome();
    }
    // Wait for as many messages as were sent (an echo), or until the server goes quiet.
    while (received_ < sent && !done_ && pump(deadline())) {
    }
    if (!done_ && conn_->state() == codec::State::open) {
      (void)conn_->send_close(o_.close_code);
      flush();
    }
    while (!done_ && pump(deadline())) {
    }
    return outcome();
  }

 private:
  Clock::time_point deadline() const {
    return Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(o_.timeout * 1000));
  }

  int fail_usage(const std::string& why) {
    (void)std::fprintf(stderr, "wsprobe connect: %s\n", why.c_str());
    return 2;
  }
  int fail(const std::string& why) {
    (void)std::fprintf(stderr, "wsprobe connect: %s\n", why.c_str());
    return 1;
  }

  bool refused(const std::string& why) {
    (void)fail(why);
    return false;
  }

  bool handshake(const Url& url) {
    codec::ClientOptions c;
    c.host = url.host_header();
    c.target = url.target;
    c.subprotocols = o_.subprotocols;
    if (o_.deflate) c.deflate = o_.deflate_offer;
    codec::ClientHandshake handshake(c, codec::openssl_random());
    const std::string& req = handshake.request_bytes();
    const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(req.data()), req.size());
    if (transport_->write(bytes, deadline()).status != IoStatus::ok)
      return refused("the server closed the connection during the handshake");
    std::vector<uint8_t> buf(16384);
    while (handshake.status() == codec::HandshakeStatus::incomplete) {
      const auto r = transport_->read_some(buf, deadline());
      if (r.status != IoStatus::ok) return refused("no handshake response (" + r.message + ")");
      handshake.feed({buf.data(), r.bytes});
    }
    if (handshake.status() == codec::HandshakeStatus::error) {
      return refused("malformed handshake response: " + std::string(handshake.error().reason));
    }
    const auto accepted = handshake.validate();
    if (!accepted) {
      return refused("handshake rejected (HTTP " + std::to_string(handshake.response().status) +
                     "): " + std::string(accepted.error().reason));
    }
    if (!accepted->subprotocol.empty())
      (void)std::fprintf(stderr, "subprotocol: %s\n", accepted->subprotocol.c_str());
    if (const auto extensions = handshake.response().headers.single("Sec-WebSocket-Extensions"))
      (void)std::fprintf(stderr, "extensions: %s\n", std::string(*extensions).c_str());
    codec::ConnectionOptions o;
    o.role = codec::Role::client;
    o.deflate = accepted->deflate;
    o.deflate_level = o_.deflate_level;
    conn_.emplace(o);
    conn_->receive(handshake.leftover());
    handle_events();
    return true;
  }

  bool flush() {
    const auto out = conn_->bytes_to_send();
    if (!out.empty() && transport_->write(out, deadline()).status != IoStatus::ok) {
      done_ = true;
      return false;
    }
    return true;
  }

  // One read: false when the connection ended or went quiet past the deadline.
  bool pump(Clock::time_point until) {
    std::vector<uint8_t> buf(65536);
    const auto r = transport_->read_some(buf, until);
    if (r.status == IoStatus::timeout) return false;
    if (r.status != IoStatus::ok) {
      conn_->receive_eof();
      handle_events();
      done_ = true;
      return false;
    }
    conn_->receive({buf.data(), r.bytes});
    handle_events();
    flush();
    return !done_;
  }

  void handle_events() {
    for (auto& e : conn_->events()) {
      if (auto* m = std::get_if<codec::MessageEvent>(&e)) {
        ++received_;
        if (o_.echo) {
          if (m->opcode == codec::Opcode::text) {
            (void)conn_->send_text(m->text());
          } else {
            (void)conn_->send_binary(m->data);
          }
          continue;
        }
        if (m->opcode == codec::Opcode::text) {
          std::printf("%.*s\n", static_cast<int>(m->text().size()), m->text().data());
        } else {
          std::printf("binary %s\n", describe_bytes(m->data).c_str());
        }
        (void)std::fflush(stdout);
      } else if (auto* c = std::get_if<codec::CloseEvent>(&e)) {
        close_code_ = c->code;
        remote_close_ = c->remote;
        (void)std::fprintf(stderr, "closed: %u%s%s\n", static_cast<unsigned>(c->code),
                           c->reason.empty() ? "" : " ", c->reason.c_str());
        if (!c->remote) done_ = true;
      } else if (auto* f = std::get_if<codec::FailureEvent>(&e)) {
        failure_ = std::string(f->error.reason);
        (void)std::fprintf(stderr, "failed the connection (%u): %s\n",
                           static_cast<unsigned>(f->error.close_code), failure_.c_str());
      }
    }
  }

  int outcome() const {
    if (!failure_.empty()) return 1;
    // A clean end: the server's close frame, with a normal code or none.
    const bool normal =
        close_code_ == 1000 || close_code_ == 1001 || close_code_ == codec::close_code::no_status;
    return remote_close_ && normal ? 0 : 1;
  }

  const ConnectOptions& o_;
  std::unique_ptr<Transport> transport_;
  std::optional<codec::Connection> conn_;
  size_t received_ = 0;
  bool done_ = false;
  bool remote_close_ = false;
  uint16_t close_code_ = codec::close_code::abnormal;
  std::string failure_;
};

}  // namespace

int connect_and_talk(const ConnectOptions& options) {
  return Client(options).run();
}

}  // namespace wsprobe::harness
