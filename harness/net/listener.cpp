#include "net/listener.hpp"

#include <algorithm>
#include <asio.hpp>
#include <deque>
#include <list>
#include <optional>
#include <thread>

#include "net/tls.hpp"

namespace wsprobe::harness {
namespace {

using asio::ip::tcp;

constexpr std::chrono::milliseconds first_backoff{50};
constexpr std::chrono::milliseconds max_backoff{1000};

std::string describe(const tcp::endpoint& e) {
  return Url{false, e.address().to_string(), e.port(), "/"}.host_header();
}

class AsioListener final : public Listener {
 public:
  bool open(const std::string& host, uint16_t port, const ServerTls& tls, std::string& error) {
    host_ = host;
    if (!tls.cert_file.empty()) {
      tls_ = std::make_shared<ServerTlsContext>();
      if (!load_certificate(tls_->ssl, tls.cert_file, tls.key_file, error)) return false;
    }
    asio::error_code ec;
    std::vector<tcp::endpoint> endpoints;
    if (host == "localhost") {
      // RFC 6761 6.3: localhost is the loopback, both families, whatever /etc/hosts lists;
      // clients differ in which one they try first.
      endpoints = {{asio::ip::address_v4::loopback(), port},
                   {asio::ip::address_v6::loopback(), port}};
    } else {
      tcp::resolver resolver(ctx_);
      const auto resolved = resolver.resolve(
          host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
      if (ec) {
        error = "cannot resolve " + host + ": " + ec.message();
        return false;
      }
      for (const auto& entry : resolved) {
        if (std::find(endpoints.begin(), endpoints.end(), entry.endpoint()) == endpoints.end())
          endpoints.push_back(entry.endpoint());
      }
    }
    // A name with several addresses listens on each, on one port; an address family this
    // machine lacks is skipped as long as one address binds.
    const bool several = endpoints.size() > 1;
    std::string first_error;
    for (auto endpoint : endpoints) {
      if (!slots_.empty()) endpoint.port(port_);
      auto& slot = slots_.emplace_back(ctx_);
      slot.acceptor.open(endpoint.protocol(), ec);
      if (!ec) slot.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec && several && endpoint.protocol() == tcp::v6())
        slot.acceptor.set_option(asio::ip::v6_only(true), ec);
      if (!ec) slot.acceptor.bind(endpoint, ec);
      if (!ec) slot.acceptor.listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        slots_.pop_back();
        if (first_error.empty())
          first_error = "cannot listen on " + describe(endpoint) + ": " + ec.message();
        continue;
      }
      port_ = slot.acceptor.local_endpoint().port();
    }
    error = first_error;
    return !slots_.empty();
  }

  uint16_t port() const override { return port_; }

  std::string url() const override { return Url{tls_ != nullptr, host_, port_, "/"}.str(); }

  AcceptResult accept(Clock::time_point deadline,
                      std::chrono::milliseconds tls_handshake) override {
    if (backoff_.count() > 0) {
      // The failure that set the back-off (EMFILE, ...) usually leaves the connection queued and
      // the acceptor readable: retrying at once would spin.
      const auto until = std::min(deadline, failed_at_ + backoff_);
      std::this_thread::sleep_until(until);
      if (until == deadline && Clock::now() >= deadline)
        return {nullptr, IoStatus::timeout, "no connection by the deadline"};
    }
    for (;;) {
      if (!ready_.empty()) return hand_over(tls_handshake);
      if (failure_) {
        const auto ec = *failure_;
        failure_.reset();
        if (ec == asio::error::connection_aborted) continue;  // the peer left the queue first
        backoff_ = backoff_.count() == 0 ? first_backoff : std::min(backoff_ * 2, max_backoff);
        failed_at_ = Clock::now();
        return {nullptr, IoStatus::error,
                "cannot accept a connection: " + ec.message() + " (retrying in " +
                    std::to_string(backoff_.count()) + " ms)"};
      }
      for (auto& slot : slots_)
        arm(slot);
      ctx_.restart();
      while (ready_.empty() && !failure_ && ctx_.run_one_until(deadline) > 0) {
      }
      if (ready_.empty() && !failure_)
        return {nullptr, IoStatus::timeout, "no connection by the deadline"};
    }
  }

 private:
  struct Slot {
    explicit Slot(asio::io_context& ctx) : acceptor(ctx) {}
    tcp::acceptor acceptor;
    bool pending = false;
  };

  // Keeps one accept outstanding per address; what completes waits in ready_ or failure_.
  void arm(Slot& slot) {
    if (slot.pending) return;
    slot.pending = true;
    slot.acceptor.async_accept([this, &slot](const asio::error_code& ec, tcp::socket socket) {
      slot.pending = false;
      if (!ec) {
        ready_.push_back(std::move(socket));
      } else if (ec != asio::error::operation_aborted) {
        failure_ = ec;
      }
    });
  }

  AcceptResult hand_over(std::chrono::milliseconds tls_handshake) {
    backoff_ = std::chrono::milliseconds(0);
    tcp::socket socket = std::move(ready_.front());
    ready_.pop_front();
    asio::error_code ec;
    const int fd = socket.release(ec);
    if (ec) return {nullptr, IoStatus::error, "cannot take over a connection: " + ec.message()};
    std::string error;
    auto transport = Transport::adopt(fd, tls_, Clock::now() + tls_handshake, error);
    if (!transport) return {nullptr, IoStatus::error, error};
    return {std::move(transport), IoStatus::ok, {}};
  }

  asio::io_context ctx_;
  std::string host_;
  uint16_t port_ = 0;
  std::shared_ptr<ServerTlsContext> tls_;
  std::list<Slot> slots_;  // a list: handlers hold references to their slot
  std::deque<tcp::socket> ready_;
  std::optional<asio::error_code> failure_;
  std::chrono::milliseconds backoff_{0};
  Clock::time_point failed_at_;
};

}  // namespace

std::unique_ptr<Listener> Listener::open(const std::string& host, uint16_t port,
                                         const ServerTls& tls, std::string& error) {
  auto listener = std::make_unique<AsioListener>();
  if (!listener->open(host, port, tls, error)) return nullptr;
  return listener;
}

}  // namespace wsprobe::harness
