#pragma once
// Connections a case holds open beside its own (issue 12's handshake stress): opened before the
// case's connection, each sending nothing or dribbling an opening handshake one byte at a time
// (slowloris), and closed when the case ends. The case's own connection is then the fresh client
// that must still get its handshake and echo in time (RFC 6455 10.4 and robustness: a server
// whose threads or slots such connections tie up stops serving everyone).

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/catalogue.hpp"
#include "net/transport.hpp"

namespace wsprobe::harness {

class HeldConnections {
 public:
  // Opens spec.connections TCP connections to `url` (plain TCP: over wss they hold a TLS
  // handshake never begun), within `seconds`, and starts dribbling if the spec says so.
  HeldConnections(const HoldSpec& spec, const Url& url, double seconds);
  ~HeldConnections();  // stops the dribble and closes every connection
  HeldConnections(const HeldConnections&) = delete;
  HeldConnections& operator=(const HeldConnections&) = delete;
  HeldConnections(HeldConnections&&) = delete;
  HeldConnections& operator=(HeldConnections&&) = delete;

  // For the evidence: how many were opened, and how.
  [[nodiscard]] const std::string& summary() const { return summary_; }
  // For the evidence when the case ends: how many the peer had closed, bytes dribbled.
  [[nodiscard]] std::string status() const;

 private:
  void dribble();

  HoldSpec spec_;
  std::string request_;  // the opening handshake the connections dribble
  std::vector<int> fds_;
  std::string summary_;
  std::atomic<size_t> sent_{0};    // bytes dribbled on each connection so far
  std::atomic<size_t> closed_{0};  // connections the peer closed (seen by the dribble)
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread dribbler_;
};

}  // namespace wsprobe::harness
