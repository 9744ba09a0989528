#pragma once
// Test vectors shared by the unit tests and wsprobe-selfcheck: the examples of RFC 6455 5.7 and
// 1.3, and the UTF-8 payloads of Autobahn|Testsuite category 6 with the byte each invalid one
// must fail at.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wsprobe/frame_parser.hpp"

namespace wsprobe::vectors {

inline std::vector<uint8_t> from_hex(std::string_view hex) {
  auto nibble = [](char c) -> uint8_t {
    if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
    return static_cast<uint8_t>(c - 'A' + 10);
  };
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size();) {
    if (hex[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(static_cast<uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
    i += 2;
  }
  return out;
}

// A frame as RFC 6455 5.7 writes it, the role that receives it, and what it carries.
struct FrameVector {
  const char* name;
  codec::Role receiver;
  std::vector<uint8_t> bytes;
  codec::FrameHeader header;
  std::vector<uint8_t> payload;  // unmasked
};

inline std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<uint8_t>(i * 7 + 3);
  return v;
}

inline std::vector<uint8_t> concat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

inline std::vector<FrameVector> rfc_frame_vectors() {
  using codec::Role;
  const auto hello = from_hex("48656c6c6f");
  const codec::MaskKey key{0x37, 0xfa, 0x21, 0x3d};
  return {
      {"single-frame unmasked text",
       Role::client,
       from_hex("81 05 48656c6c6f"),
       {true, 0, 0x1, false, {}, 5},
       hello},
      {"single-frame masked text",
       Role::server,
       from_hex("81 85 37fa213d 7f9f4d5158"),
       {true, 0, 0x1, true, key, 5},
       hello},
      {"first fragment of unmasked text",
       Role::client,
       from_hex("01 03 48656c"),
       {false, 0, 0x1, false, {}, 3},
       from_hex("48656c")},
      {"last fragment of unmasked text",
       Role::client,
       from_hex("80 02 6c6f"),
       {true, 0, 0x0, false, {}, 2},
       from_hex("6c6f")},
      {"unmasked ping",
       Role::client,
       from_hex("89 05 48656c6c6f"),
       {true, 0, 0x9, false, {}, 5},
       hello},
      {"masked pong",
       Role::server,
       from_hex("8a 85 37fa213d 7f9f4d5158"),
       {true, 0, 0xA, true, key, 5},
       hello},
      {"256-byte unmasked binary",
       Role::client,
       concat(from_hex("82 7e 0100"), pattern(256)),
       {true, 0, 0x2, false, {}, 256},
       pattern(256)},
      {"65536-byte unmasked binary",
       Role::client,
       concat(from_hex("82 7f 0000000000010000"), pattern(65536)),
       {true, 0, 0x2, false, {}, 65536},
       pattern(65536)},
  };
}

// RFC 6455 1.3.
inline constexpr std::string_view rfc_key = "dGhlIHNhbXBsZSBub25jZQ==";
inline constexpr std::string_view rfc_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
inline constexpr std::string_view rfc_request =
    "GET /chat HTTP/1.1\r\n"
    "Host: server.example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Origin: http://example.com\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";
inline constexpr std::string_view rfc_response =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    "Sec-WebSocket-Protocol: chat\r\n"
    "\r\n";

// UTF-8 payloads of Autobahn category 6 (one text message each). fail_at is the offset of the
// first byte a fail-fast validator must reject, or the length for a sequence cut off at the end.
inline constexpr int64_t kValid = -1;
struct Utf8Vector {
  const char* id;
  const char* hex;
  int64_t fail_at;
};

inline const std::vector<Utf8Vector>& autobahn_utf8_vectors() {
  static const std::vector<Utf8Vector> v = {
      {"6.4.1", "cebae1bdb9cf83cebcceb5f4908080656469746564", 12},
      {"6.2.1", "48656c6c6f2dc2b540c39fc3b6c3a4c3bcc3a0c3a12d5554462d382121", kValid},
      {"6.2.4", "cebae1bdb9cf83cebcceb5", kValid},
      {"6.3.1", "cebae1bdb9cf83cebcceb5eda080656469746564", 12},
      {"6.5.1", "68656c6c6f24776f726c64", kValid},
      {"6.5.2", "68656c6c6fc2a2776f726c64", kValid},
      {"6.5.3", "68656c6c6fe282ac776f726c64", kValid},
      {"6.5.4", "68656c6c6ff0a4ada2776f726c64", kValid},
      {"6.5.5", "cebae1bdb9cf83cebcceb5", kValid},
      {"6.6.1", "ce", 1},
      {"6.6.2", "ceba", kValid},
      {"6.6.3", "cebae1", 3},
      {"6.6.4", "cebae1bd", 4},
      {"6.6.5", "cebae1bdb9", kValid},
      {"6.6.6", "cebae1bdb9cf", 6},
      {"6.6.7", "cebae1bdb9cf83", kValid},
      {"6.6.8", "cebae1bdb9cf83ce", 8},
      {"6.6.9", "cebae1bdb9cf83cebc", kValid},
      {"6.6.10", "cebae1bdb9cf83cebcce", 10},
      {"6.6.11", "cebae1bdb9cf83cebcceb5", kValid},
      {"6.7.1", "00", kValid},
      {"6.7.2", "c280", kValid},
      {"6.7.3", "e0a080", kValid},
      {"6.7.4", "f0908080", kValid},
      {"6.8.1", "f888808080", 0},
      {"6.8.2", "fc8480808080", 0},
      {"6.9.1", "7f", kValid},
      {"6.9.2", "dfbf", kValid},
      {"6.9.3", "efbfbf", kValid},
      {"6.9.4", "f48fbfbf", kValid},
      {"6.10.1", "f7bfbfbf", 0},
      {"6.10.2", "fbbfbfbfbf", 0},
      {"6.10.3", "fdbfbfbfbfbf", 0},
      {"6.11.1", "ed9fbf", kValid},
      {"6.11.2", "ee8080", kValid},
      {"6.11.3", "efbfbd", kValid},
      {"6.11.4", "f48fbfbf", kValid},
      {"6.11.5", "f4908080", 1},
      {"6.12.1", "80", 0},
      {"6.12.2", "bf", 0},
      {"6.12.3", "80bf", 0},
      {"6.12.4", "80bf80", 0},
      {"6.12.5", "80bf80bf", 0},
      {"6.12.6", "80bf80bf80", 0},
      {"6.12.7", "80bf80bf80bf", 0},
      {"6.12.8",
       "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabaca"
       "daeafb0b1b2b3b4b5b6b7b8b9babbbcbdbe",
       0},
      {"6.13.1",
       "c020c120c220c320c420c520c620c720c820c920ca20cb20cc20cd20ce20cf20d020d120d220d320d420d520d62"
       "0d720d820d920da20db20dc20dd20de20",
       0},
      {"6.13.2", "e020e120e220e320e420e520e620e720e820e920ea20eb20ec20ed20ee20", 1},
      {"6.13.3", "f020f120f220f320f420f520f620", 1},
      {"6.13.4", "f820f920fa20", 0},
      {"6.13.5", "fc20", 0},
      {"6.14.1", "c0", 0},
      {"6.14.2", "e080", 1},
      {"6.14.3", "f08080", 1},
      {"6.14.4", "f8808080", 0},
      {"6.14.5", "fc80808080", 0},
      {"6.14.6", "df", 1},
      {"6.14.7", "efbf", 2},
      {"6.14.8", "f7bfbf", 0},
      {"6.14.9", "fbbfbfbf", 0},
      {"6.14.10", "fdbfbfbfbf", 0},
      {"6.15.1", "c0e080f08080f8808080fc80808080dfefbff7bfbffbbfbfbffdbfbfbfbf", 0},
      {"6.16.1", "fe", 0},
      {"6.16.2", "ff", 0},
      {"6.16.3", "fefeffff", 0},
      {"6.17.1", "c0af", 0},
      {"6.17.2", "e080af", 1},
      {"6.17.3", "f08080af", 1},
      {"6.17.4", "f8808080af", 0},
      {"6.17.5", "fc80808080af", 0},
      {"6.18.1", "c1bf", 0},
      {"6.18.2", "e09fbf", 1},
      {"6.18.3", "f08fbfbf", 1},
      {"6.18.4", "f887bfbfbf", 0},
      {"6.18.5", "fc83bfbfbfbf", 0},
      {"6.19.1", "c080", 0},
      {"6.19.2", "e08080", 1},
      {"6.19.3", "f0808080", 1},
      {"6.19.4", "f880808080", 0},
      {"6.19.5", "fc8080808080", 0},
      {"6.20.1", "eda080", 1},
      {"6.20.2", "edadbf", 1},
      {"6.20.3", "edae80", 1},
      {"6.20.4", "edafbf", 1},
      {"6.20.5", "edb080", 1},
      {"6.20.6", "edbe80", 1},
      {"6.20.7", "edbfbf", 1},
      {"6.21.1", "eda080edb080", 1},
      {"6.21.2", "eda080edbfbf", 1},
      {"6.21.3", "edadbfedb080", 1},
      {"6.21.4", "edadbfedbfbf", 1},
      {"6.21.5", "edae80edb080", 1},
      {"6.21.6", "edae80edbfbf", 1},
      {"6.21.7", "edafbfedb080", 1},
      {"6.21.8", "edafbfedbfbf", 1},
      {"6.22.1", "efbfbe", kValid},
      {"6.22.2", "efbfbf", kValid},
      {"6.22.3", "f09fbfbe", kValid},
      {"6.22.4", "f09fbfbf", kValid},
      {"6.22.5", "f0afbfbe", kValid},
      {"6.22.6", "f0afbfbf", kValid},
      {"6.22.7", "f0bfbfbe", kValid},
      {"6.22.8", "f0bfbfbf", kValid},
      {"6.22.9", "f18fbfbe", kValid},
      {"6.22.10", "f18fbfbf", kValid},
      {"6.22.11", "f19fbfbe", kValid},
      {"6.22.12", "f19fbfbf", kValid},
      {"6.22.13", "f1afbfbe", kValid},
      {"6.22.14", "f1afbfbf", kValid},
      {"6.22.15", "f1bfbfbe", kValid},
      {"6.22.16", "f1bfbfbf", kValid},
      {"6.22.17", "f28fbfbe", kValid},
      {"6.22.18", "f28fbfbf", kValid},
      {"6.22.19", "f29fbfbe", kValid},
      {"6.22.20", "f29fbfbf", kValid},
      {"6.22.21", "f2afbfbe", kValid},
      {"6.22.22", "f2afbfbf", kValid},
      {"6.22.23", "f2bfbfbe", kValid},
      {"6.22.24", "f2bfbfbf", kValid},
      {"6.22.25", "f38fbfbe", kValid},
      {"6.22.26", "f38fbfbf", kValid},
      {"6.22.27", "f39fbfbe", kValid},
      {"6.22.28", "f39fbfbf", kValid},
      {"6.22.29", "f3afbfbe", kValid},
      {"6.22.30", "f3afbfbf", kValid},
      {"6.22.31", "f3bfbfbe", kValid},
      {"6.22.32", "f3bfbfbf", kValid},
      {"6.22.33", "f48fbfbe", kValid},
      {"6.22.34", "f48fbfbf", kValid},
      {"6.23.1", "efbfb9", kValid},
      {"6.23.2", "efbfba", kValid},
      {"6.23.3", "efbfbb", kValid},
      {"6.23.4", "efbfbc", kValid},
      {"6.23.5", "efbfbd", kValid},
      {"6.23.6", "efbfbe", kValid},
      {"6.23.7", "efbfbf", kValid},
  };
  return v;
}

}  // namespace wsprobe::vectors
