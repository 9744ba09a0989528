// fuzz_make_seeds: writes the seed corpus of every fuzz target, built from the RFC 6455 vectors
// and the unit tests' vectors (codec/vectors), each file named by the SHA-1 of its content.
//   fuzz_make_seeds DIR          write DIR/<target>/<sha1>
//   fuzz_make_seeds --check DIR  exit 1 unless every seed is already in DIR (ctest runs this, so
//                                the committed corpus cannot drift from the vectors)

#include <openssl/evp.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "rfc6455_vectors.hpp"
#include "wsprobe/frame_header.hpp"

namespace {

using namespace wsprobe;
using Bytes = std::vector<uint8_t>;
std::map<std::string, std::vector<Bytes>> seeds;

void add(const std::string& target, Bytes b) {
  seeds[target].push_back(std::move(b));
}

Bytes text(std::string_view s) {
  return {s.begin(), s.end()};
}

// A frame towards `receiver`: masked when the receiver is a server.
Bytes frame(codec::Role receiver, uint8_t b0, const Bytes& payload,
            codec::LengthForm form = codec::LengthForm::minimal) {
  codec::FrameHeader h;
  h.fin = (b0 & 0x80) != 0;
  h.rsv = (b0 >> 4) & 7;
  h.opcode = b0 & 0xF;
  h.masked = receiver == codec::Role::server;
  h.mask = {0x37, 0xfa, 0x21, 0x3d};
  return codec::encode_frame(h, payload, form);
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

// The same stream whole, one byte per read, and cut in the middle.
void add_splits(const std::string& target, uint8_t config, const Bytes& stream) {
  add(target, fuzz::join_input(config, stream, {}));
  if (stream.size() > 1 && stream.size() <= 64) {
    std::vector<size_t> every;
    for (size_t i = 1; i < stream.size(); ++i)
      every.push_back(i);
    add(target, fuzz::join_input(config, stream, every));
  }
  if (stream.size() > 2) add(target, fuzz::join_input(config, stream, {stream.size() / 2}));
}

std::vector<Bytes> conversations(codec::Role r) {
  const Bytes close1000{0x03, 0xe8};
  return {
      cat({frame(r, 0x81, text("Hello")), frame(r, 0x88, close1000)}),
      cat({frame(r, 0x01, text("Hel")), frame(r, 0x89, text("ping")), frame(r, 0x80, text("lo")),
           frame(r, 0x88, {})}),
      cat({frame(r, 0x82, vectors::pattern(300)), frame(r, 0x8a, text("unsolicited"))}),
      frame(r, 0x81, vectors::from_hex("cebae1bdb9cf83cebcceb5eda080656469746564")),  // 6.3.1
      frame(r, 0x88, Bytes{0x03, 0xed}),                                              // 1005
      frame(r, 0x88, Bytes{0x03}),                                                    // 1 byte
      frame(r, 0x88, cat({close1000, vectors::from_hex("eda080")})),                  // 7.5.1
      frame(r, 0x83, {}),                                                             // 4.1.1
      frame(r, 0xc1, text("rsv1")),                                                   // 3.4
      frame(r, 0x09, text("fragmented ping")),                                        // 5.1
      frame(r, 0x80, text("continuation")),                                           // 5.9
      frame(r, 0x82, {1, 2}, codec::LengthForm::extended16),
      vectors::from_hex("82 7f 80 00 00 00 00 00 00 00"),
  };
}

void make() {
  using codec::Role;
  for (const auto& v : vectors::rfc_frame_vectors()) {
    if (v.bytes.size() > 1024) continue;  // keep seeds small; the 64 KiB vector is a unit test
    const uint8_t role_bit = v.receiver == Role::server ? 1 : 0;
    add_splits("frame_parser", role_bit, v.bytes);
    add_splits("frame_parser", static_cast<uint8_t>(role_bit | 0x10), v.bytes);  // 200-byte limit
  }
  for (const auto r : {Role::client, Role::server}) {
    const uint8_t role_bit = r == Role::server ? 1 : 0;
    for (const auto& c : conversations(r)) {
      add_splits("frame_parser", role_bit, c);
      add_splits(r == Role::server ? "connection_server" : "connection_client", 0x0c, c);
      if (r == Role::client) add_splits("message_assembler", 0x0c, c);
    }
    // The reader in this role (0x40: server), and bytes after a close frame.
    const auto reader_config = static_cast<uint8_t>(0x0c | (r == Role::server ? 0x40 : 0));
    for (const auto& c : conversations(r))
      add_splits("reader", reader_config, c);
    add_splits("reader", reader_config,
               cat({frame(r, 0x88, Bytes{0x03, 0xe8}), frame(r, 0x81, text("after close"))}));
    add_splits("reader", static_cast<uint8_t>(reader_config | 0x20),  // RSV1 allowed
               frame(r, 0xc1, vectors::from_hex("f248cdc9c90700")));
    // 1009: a 64-byte limit and a message of 65.
    add_splits(r == Role::server ? "connection_server" : "connection_client", 0x02,
               frame(r, 0x82, vectors::pattern(65)));
  }
  for (const auto& v : vectors::autobahn_utf8_vectors()) {
    const Bytes payload = vectors::from_hex(v.hex);
    add_splits("utf8", 0, payload);
    add_splits("message_assembler", 0x0c, frame(Role::client, 0x81, payload));
  }
  const Bytes request = text(vectors::rfc_request);
  add_splits("handshake_request", 1, request);
  add_splits(
      "handshake_request", 0,
      text("GET / HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUpgrade: websocket\r\nConnection: "
           "keep-alive, Upgrade\r\n"
           "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==\r\nSec-WebSocket-Version: 14\r\n\r\n"));
  add_splits(
      "handshake_request", 0,
      text("POST /chat HTTP/1.0\r\nHost: [::1]:80\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=\"15\"\r\n\r\n"));
  add_splits("handshake_request", 0, text("GET /status HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  add_splits("handshake_response", 0, text(vectors::rfc_response));
  add_splits(
      "handshake_response", 1,
      text("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
           "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n"));
  add_splits("handshake_response", 0,
             text("HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Length: "
                  "0\r\n\r\n"));
  for (const int code :
       {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999,
        4000, 4999, 0,    999,  1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    add("close_payload", Bytes{static_cast<uint8_t>(code >> 8), static_cast<uint8_t>(code)});
  }
  add("close_payload", {});
  add("close_payload", {0x03});
  add("close_payload", cat({Bytes{0x03, 0xe8}, text("normal closure")}));
  add("close_payload", cat({Bytes{0x03, 0xe8}, vectors::from_hex("cebae1bdb9cf83cebcceb5eda080")}));

  // deflate (deflate_fuzz.cpp): config 0x00-0x3f round trips, 0x40-0x7f inflates, 0x80- negotiates.
  add_splits("deflate", 0x07, text("Hello Hello Hello, permessage-deflate"));  // window 15
  add_splits("deflate", 0x38, text("Hello"));                                  // 8 bits, reset
  add_splits("deflate", 0x44, vectors::from_hex("f248cdc9c90700"));            // RFC 7692 7.2.3.1
  add_splits("deflate", 0x64, vectors::from_hex("f248cdc9c90700f20011000000"));
  add_splits("deflate", 0x44, vectors::from_hex("000500faff48656c6c6f00"));  // 7.2.3.3
  add_splits("deflate", 0x44, vectors::from_hex("f348cdc9c90700"));          // 7.2.3.4 BFINAL
  for (const char* offer :
       {"permessage-deflate", "permessage-deflate; client_max_window_bits",
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
        "server_max_window_bits=9; client_max_window_bits=10",
        "permessage-deflate; server_max_window_bits=16, permessage-deflate; foo, "
        "permessage-deflate; client_max_window_bits=\"8\""}) {
    add_splits("deflate", 0x80, text(offer));
    add_splits("deflate", 0x8f, text(offer));
  }
}

std::string sha1_hex(const Bytes& b) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(b.data(), b.size(), md, &n, EVP_sha1(), nullptr);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < n; ++i) {
    (void)std::snprintf(buf, sizeof(buf), "%02x", md[i]);
    hex += buf;
  }
  return hex;
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const bool check = argc == 3 && std::string(argv[1]) == "--check";
  if (argc != 2 && !check) {
    (void)std::fprintf(stderr, "usage: fuzz_make_seeds [--check] DIR\n");
    return 2;
  }
  const fs::path dir = argv[argc - 1];
  make();
  size_t total = 0;
  size_t missing = 0;
  for (const auto& [target, list] : seeds) {
    if (!check) fs::create_directories(dir / target);
    for (const auto& b : list) {
      const fs::path file = dir / target / sha1_hex(b);
      ++total;
      if (check) {
        std::ifstream f(file, std::ios::binary);
        const Bytes have((std::istreambuf_iterator<char>(f)), {});
        if (!fs::exists(file) || have != b) {
          (void)std::fprintf(stderr, "missing seed %s (run: fuzz_make_seeds corpus)\n",
                             file.c_str());
          ++missing;
        }
        continue;
      }
      std::ofstream(file, std::ios::binary)
          .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    }
  }
  std::printf("%zu seeds for %zu targets%s\n", total, seeds.size(),
              check ? " checked" : " written");
  return missing == 0 ? 0 : 1;
}
