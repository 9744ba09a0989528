#include "engine/held_connections.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace wsprobe::harness {
namespace {

// A non-blocking socket connecting to the address (the connect completes in the background).
int start_connect(const addrinfo& a) {
  const int fd = ::socket(a.ai_family, a.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a.ai_protocol);
  if (fd < 0) return -1;
  if (::connect(fd, a.ai_addr, a.ai_addrlen) == 0 || errno == EINPROGRESS) return fd;
  ::close(fd);
  return -1;
}

}  // namespace

HeldConnections::HeldConnections(const HoldSpec& spec, const Url& url, double seconds)
    : spec_(spec) {
  request_ = "GET " + url.target + " HTTP/1.1\r\nHost: " + url.host_header() +
             "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(url.port);
  if (::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
    summary_ = "held connections: cannot resolve " + url.host;
    return;
  }
  std::vector<pollfd> pending;
  for (size_t i = 0; i < spec.connections; ++i) {
    const int fd = start_connect(*found);
    if (fd >= 0) pending.push_back({fd, POLLOUT, 0});
  }
  ::freeaddrinfo(found);
  // Wait for the connects, within `seconds`: a server with a full accept queue leaves some
  // pending, which still hold what they hold.
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  size_t failed = 0;
  while (!pending.empty() && Clock::now() < end) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    if (::poll(pending.data(), pending.size(), static_cast<int>(left.count()) + 1) <= 0) break;
    for (size_t i = 0; i < pending.size();) {
      if (pending[i].revents == 0) {
        ++i;
        continue;
      }
      int error = 0;
      socklen_t len = sizeof(error);
      (void)::getsockopt(pending[i].fd, SOL_SOCKET, SO_ERROR, &error, &len);
      if (error == 0) {
        fds_.push_back(pending[i].fd);
      } else {
        ++failed;
        ::close(pending[i].fd);
      }
      pending[i] = pending.back();
      pending.pop_back();
    }
  }
  for (const auto& p : pending)
    fds_.push_back(p.fd);  // still connecting: held all the same
  summary_ = "holding " + std::to_string(fds_.size()) + " more connections (" +
             std::to_string(pending.size()) + " still connecting, " + std::to_string(failed) +
             " refused) that " +
             (spec.dribble > 0 ? "dribble an opening handshake one byte every " +
                                     std::to_string(spec.dribble).substr(0, 4) + " s"
                               : "send nothing");
  if (spec.dribble > 0) dribbler_ = std::thread([this] { dribble(); });
}

void HeldConnections::dribble() {
  std::unique_lock<std::mutex> lock(mu_);
  const auto every = std::chrono::duration<double>(spec_.dribble);
  // The last byte of the request is never sent: the handshake stays incomplete (slowloris).
  for (size_t at = 0; at + 1 < request_.size(); ++at) {
    size_t gone = 0;
    for (int& fd : fds_) {
      if (fd < 0) continue;
      if (::send(fd, &request_[at], 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN) {
        ::close(fd);
        fd = -1;
        ++gone;
      }
    }
    closed_ += gone;
    sent_ = at + 1;
    if (wake_.wait_for(lock, every, [this] { return stop_; })) return;
  }
}

std::string HeldConnections::status() const {
  return "releasing the held connections: " + std::to_string(sent_.load()) +
         " bytes dribbled on each, " + std::to_string(closed_.load()) + " closed by the peer";
}

HeldConnections::~HeldConnections() {
  {
    const std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (dribbler_.joinable()) dribbler_.join();
  for (const int fd : fds_) {
    if (fd >= 0) ::close(fd);
  }
}

}  // namespace wsprobe::harness
