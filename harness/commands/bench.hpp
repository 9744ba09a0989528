#pragma once
// `wsprobe bench URL`: a load generator for any WebSocket server that echoes. Each connection
// keeps `in_flight` messages of `size` bytes in flight (pipelined), checks every echo (type,
// length and content: each message carries its sequence number), and records its round trip.
// Sending stops after `duration` seconds or `count` messages; then the echoes still due are
// awaited and each connection closes (RFC 6455 7.1.2), all within `timeout`. It prints a result
// block (msgs/s, MB/s, latency p50/p90/p99/max, errors), a progress line on a terminal, and
// writes the same as JSON with --json: the options (url, connections, type, size, inFlight,
// duration, count, deflate {offered, agreed}), then connectionsOpened, seconds (from the start
// of sending to the last echo), sent, echoed (right or wrong), wrongEchoes, missingEchoes,
// failedConnections (never opened), brokenConnections (ended early), errors (the sum of those
// four), countReached, closedCleanly, bytesEchoed, messagesPerSecond, megabytesPerSecond
// (payload echoed, 10^6 bytes, one way), latencyMicroseconds {p50, p90, p99, max, mean} and
// errorSamples (the first ten, in words).

#include <cstdint>
#include <string>
#include <vector>

#include "net/transport.hpp"

namespace wsprobe::harness {

struct BenchOptions {
  std::string url;
  unsigned connections = 1;
  uint64_t size = 1024;  // payload bytes per message
  bool text = false;     // text messages (ASCII) instead of binary
  unsigned in_flight = 16;
  double duration = 5;   // seconds of sending; with `count`, the limit to send them in
  uint64_t count = 0;    // messages in all (spread over the connections); 0: by duration only
  double timeout = 5;    // seconds to connect, and to get the last echoes and close after sending
  unsigned threads = 1;  // I/O threads, the connections spread over them
  bool deflate = false;  // offer permessage-deflate (RFC 7692), as browsers do
  std::vector<std::string> subprotocols;
  std::string json_path;
  TlsOptions tls;
};

// Bounds the command line enforces, so that every run ends and holds bounded memory.
inline constexpr unsigned bench_max_connections = 10000;
inline constexpr unsigned bench_max_in_flight = 100000;
inline constexpr uint64_t bench_max_size = uint64_t{16} << 20;
inline constexpr double bench_max_duration = 3600;
inline constexpr uint64_t bench_max_count = uint64_t{1} << 40;

// 0: every echo right; 1: a wrong or missing echo, a failed connection or close, or --count not
// reached within --duration; 2: usage error, or no connection could be opened.
int bench(const BenchOptions& options);

}  // namespace wsprobe::harness
