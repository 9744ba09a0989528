#pragma once
// One `wsprobe bench` connection over Asio (ws, or wss with a TLS context): connect, the opening
// handshake through the codec's ClientHandshake, then messages through a codec::Connection with
// `in_flight` of them unanswered at most, each echo checked against what was sent, and a closing
// handshake (RFC 6455 7.1.2). Every step is bounded by a deadline timer.

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "commands/bench_latency.hpp"
#include "net/transport.hpp"

namespace wsprobe::harness {

// What every connection does, shared and read-only while they run.
struct BenchPlan {
  Url url;
  asio::ip::tcp::resolver::results_type endpoints;
  asio::ssl::context* tls = nullptr;  // set for wss://
  uint64_t size = 0;
  bool text = false;
  unsigned in_flight = 1;
  bool deflate = false;
  std::vector<std::string> subprotocols;
  std::vector<uint8_t> payload;  // the message body; each message's first bytes are its number
};

// The connections' milestones, for the thread that drives the run.
struct BenchSignals {
  std::mutex mutex;
  std::condition_variable changed;
  unsigned settled = 0;   // open and ready to send, or failed before that
  unsigned finished = 0;  // done, one way or another
  void settle();
  void finish();
};

// What one connection saw. Written by its I/O thread; read by others only once it finished,
// except the progress counters.
struct BenchTally {
  bool opened = false;
  bool deflate_agreed = false;
  uint64_t sent = 0;
  uint64_t echoed = 0;          // echoes received, right or wrong
  uint64_t wrong = 0;           // echoes of the wrong type, length or content
  uint64_t broken = 0;          // 1 when the connection failed or ended before its last echo
  bool closed_cleanly = false;  // the server answered our close and closed TCP
  Clock::time_point last_echo{};
  LatencyHistogram latency;
  std::vector<std::string> errors;  // the first few, in words
  std::atomic<uint64_t> progress_echoed{0};
  std::atomic<uint64_t> progress_errors{0};
};

class BenchConnection {
 public:
  virtual ~BenchConnection() = default;
  // Starts connecting; the handshake must complete by `deadline`.
  virtual void start(Clock::time_point deadline) = 0;
  // Starts sending (on its own I/O thread: post it there), until `send_until` or `quota`
  // messages (UINT64_MAX: no quota); everything ends by `hard_deadline`.
  virtual void go(Clock::time_point send_until, uint64_t quota,
                  Clock::time_point hard_deadline) = 0;
  [[nodiscard]] virtual BenchTally& tally() = 0;

  static std::shared_ptr<BenchConnection> create(asio::io_context& ctx, const BenchPlan& plan,
                                                 BenchSignals& signals, unsigned index);
};

// The bytes of message `seq`'s first min(size, 8) bytes: its number, as ASCII for text.
void write_sequence(uint64_t seq, bool text, std::span<uint8_t> prefix);

}  // namespace wsprobe::harness
