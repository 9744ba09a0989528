#pragma once
// RFC 6455 5.2 base framing: the header of one frame, decoded and encoded.
//
//  byte 0: FIN RSV1 RSV2 RSV3 opcode(4)    byte 1: MASK len7
//  then 0, 2 or 8 bytes of extended length (big-endian), then the 4-byte masking key if MASK.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "wsprobe/error.hpp"
#include "wsprobe/mask.hpp"

namespace wsprobe::codec {

enum class Opcode : uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// RSV bits as the 3-bit field value (Autobahn's "RSV = n"): RSV1 = 4, RSV2 = 2, RSV3 = 1.
namespace rsv {
inline constexpr uint8_t rsv1 = 0x4;
inline constexpr uint8_t rsv2 = 0x2;
inline constexpr uint8_t rsv3 = 0x1;
}  // namespace rsv

constexpr bool is_control(uint8_t opcode) {
  return (opcode & 0x8) != 0;
}  // RFC 6455 5.5
// RFC 6455 5.2: 0x3-0x7 are reserved data opcodes, 0xB-0xF reserved control opcodes.
constexpr bool is_reserved_opcode(uint8_t opcode) {
  return (opcode >= 0x3 && opcode <= 0x7) || opcode >= 0xB;
}

inline constexpr uint64_t max_control_payload = 125;  // RFC 6455 5.5
inline constexpr size_t max_header_size = 14;         // 2 + 8 + 4

struct FrameHeader {
  bool fin = true;
  uint8_t rsv = 0;     // 3-bit field, see namespace rsv
  uint8_t opcode = 0;  // 4 bits; may hold a reserved value so the tester can send one
  bool masked = false;
  MaskKey mask{};
  uint64_t payload_length = 0;

  friend bool operator==(const FrameHeader&, const FrameHeader&) = default;
};

// How the payload length is written. Only `minimal` is legal on the wire (RFC 6455 5.2 "the
// minimal number of bytes MUST be used"); the others exist so the tester can send violations.
enum class LengthForm : uint8_t { minimal, extended16, extended64 };

size_t header_size(const FrameHeader& header, LengthForm form = LengthForm::minimal);

// Writes the header into `out` (at least header_size() bytes); returns the bytes written.
// The length is written exactly as given, even a value no receiver accepts (MSB set).
size_t encode_header(const FrameHeader& header, std::span<uint8_t> out,
                     LengthForm form = LengthForm::minimal);

// A whole frame: header, then the payload masked with header.mask when header.masked.
// header.payload_length is taken from the payload.
std::vector<uint8_t> encode_frame(FrameHeader header, std::span<const uint8_t> payload,
                                  LengthForm form = LengthForm::minimal);

struct DecodedHeader {
  enum class Status : uint8_t { complete, incomplete, invalid };
  Status status = Status::incomplete;
  size_t size = 0;  // bytes the header occupies (complete), or at least needed (incomplete)
  FrameHeader header;
  Error error;  // set when invalid
};

// Decodes the header at the start of `in` without consuming anything. Checks only the encoding:
// minimal length (RFC 6455 5.2) and a 64-bit length with the most significant bit clear.
DecodedHeader decode_header(std::span<const uint8_t> in);

}  // namespace wsprobe::codec
