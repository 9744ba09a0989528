#pragma once
// `wsprobe serve`: the reference echo server on the codec, over Asio (ws and wss). It echoes text
// as text and binary as binary with the same message boundaries, answers plain HTTP GET on the
// same port with a status page, and fails connections with the codec's close codes.

#include <cstdint>
#include <string>
#include <vector>

#include "wsprobe/deflate.hpp"
#include "wsprobe/deflate_params.hpp"

namespace wsprobe::harness {

struct ServeOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;      // 0: a free port, printed on the readiness line
  std::string cert_file;  // both set: wss
  std::string key_file;
  uint64_t max_message_size = uint64_t{16} << 20;
  std::vector<std::string> subprotocols;
  double handshake_timeout = 10.0;  // seconds for a client to complete the opening handshake
  // Connections held at once; one more is answered 503 and closed (a flood of connections must
  // not exhaust the server's memory or descriptors).
  size_t max_connections = 16384;
  // Output waiting for a peer that does not read (its echoes, pongs): above this many bytes the
  // server stops reading from it until the peer has taken some (RFC 6455 10.4, robustness: a
  // ping flood or large echoes never read cannot make it hold more than this and a message).
  size_t max_backlog = size_t{8} << 20;
  unsigned threads = 0;  // event loops, each with its share of the connections; 0: one per core
  // permessage-deflate (RFC 7692): accepted with these settings unless off; what it echoes is
  // then compressed.
  bool deflate = true;
  codec::DeflateServerConfig deflate_config;
  int deflate_level = codec::default_deflate_level;  // igzip's 0-3 for what it compresses
};

// Runs until SIGINT or SIGTERM. Prints "listening on ws://HOST:PORT/" as its first line on
// stdout once ready. Returns the process exit code (2 when it cannot listen).
int serve(const ServeOptions& options);

}  // namespace wsprobe::harness
