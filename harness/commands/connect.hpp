#pragma once
// `wsprobe connect URL`: the reference client on the codec (ws and wss). It validates the
// server's handshake strictly, sends the given messages, prints what comes back, and closes
// cleanly. The exit code says how it ended.

#include <string>
#include <vector>

#include "net/transport.hpp"
#include "wsprobe/deflate.hpp"
#include "wsprobe/deflate_params.hpp"

namespace wsprobe::harness {

// What browsers offer: "permessage-deflate; client_max_window_bits".
inline codec::DeflateParameters default_deflate_offer() {
  codec::DeflateParameters p;
  p.client_max_window_bits = 0;
  return p;
}

struct ConnectOptions {
  std::string url;
  std::vector<std::string> texts;
  std::vector<std::string> binaries_hex;
  bool read_stdin = false;  // one text message per line
  std::vector<std::string> subprotocols;
  double timeout = 5.0;  // seconds for the handshake, and idle time while waiting for replies
  uint16_t close_code = 1000;
  bool echo = false;  // echo every message until the server closes (for wsprobe test-client)
  // permessage-deflate (RFC 7692): offered unless off; compresses what it sends when accepted.
  bool deflate = true;
  codec::DeflateParameters deflate_offer = default_deflate_offer();
  int deflate_level = codec::default_deflate_level;  // igzip's 0-3 for what it compresses
  TlsOptions tls;
};

// 0: closed cleanly; 1: the connection failed (handshake refused, protocol error, abnormal
// closure); 2: usage or connection error.
int connect_and_talk(const ConnectOptions& options);

}  // namespace wsprobe::harness
