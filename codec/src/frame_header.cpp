#include "wsprobe/frame_header.hpp"

#include <cstring>

namespace wsprobe::codec {
namespace {

constexpr uint8_t fin_bit = 0x80;
constexpr uint8_t mask_bit = 0x80;
constexpr uint8_t length16_marker = 126;  // RFC 6455 5.2: "If 126, the following 2 bytes"
constexpr uint8_t length64_marker = 127;  // "If 127, the following 8 bytes"

enum class Width : uint8_t { len7, len16, len64 };

Width width_for(uint64_t length, LengthForm form) {
  if (form == LengthForm::extended64 || length > 0xFFFF) return Width::len64;
  if (form == LengthForm::extended16 || length >= length16_marker) return Width::len16;
  return Width::len7;
}

size_t extra_length_bytes(Width w) {
  return w == Width::len7 ? 0 : (w == Width::len16 ? 2 : 8);
}

}  // namespace

size_t header_size(const FrameHeader& header, LengthForm form) {
  return 2 + extra_length_bytes(width_for(header.payload_length, form)) + (header.masked ? 4 : 0);
}

size_t encode_header(const FrameHeader& h, std::span<uint8_t> out, LengthForm form) {
  const Width w = width_for(h.payload_length, form);
  uint8_t* p = out.data();
  p[0] = static_cast<uint8_t>((h.fin ? fin_bit : 0) | ((h.rsv & 0x7) << 4) | (h.opcode & 0xF));
  const uint8_t m = h.masked ? mask_bit : 0;
  size_t n = 2;
  switch (w) {
    case Width::len7:
      p[1] = static_cast<uint8_t>(m | h.payload_length);
      break;
    case Width::len16:
      p[1] = m | length16_marker;
      p[2] = static_cast<uint8_t>(h.payload_length >> 8);
      p[3] = static_cast<uint8_t>(h.payload_length);
      n = 4;
      break;
    case Width::len64:
      p[1] = m | length64_marker;
      for (int i = 0; i < 8; ++i)
        p[2 + i] = static_cast<uint8_t>(h.payload_length >> (56 - 8 * i));
      n = 10;
      break;
  }
  if (h.masked) {
    std::memcpy(p + n, h.mask.data(), 4);
    n += 4;
  }
  return n;
}

std::vector<uint8_t> encode_frame(FrameHeader header, std::span<const uint8_t> payload,
                                  LengthForm form) {
  header.payload_length = payload.size();
  std::vector<uint8_t> out(header_size(header, form) + payload.size());
  const size_t n = encode_header(header, out, form);
  if (!payload.empty()) std::memcpy(out.data() + n, payload.data(), payload.size());
  if (header.masked) apply_mask(std::span(out).subspan(n), header.mask);
  return out;
}

DecodedHeader decode_header(std::span<const uint8_t> in) {
  DecodedHeader d;
  if (in.size() < 2) {
    d.size = 2;
    return d;
  }
  const uint8_t b0 = in[0];
  const uint8_t b1 = in[1];
  const uint8_t len7 = b1 & 0x7F;
  const bool masked = (b1 & mask_bit) != 0;
  const size_t extra = len7 == length16_marker ? 2 : (len7 == length64_marker ? 8 : 0);
  d.size = 2 + extra + (masked ? 4 : 0);
  if (in.size() < d.size) return d;

  FrameHeader& h = d.header;
  h.fin = (b0 & fin_bit) != 0;
  h.rsv = (b0 >> 4) & 0x7;
  h.opcode = b0 & 0xF;
  h.masked = masked;
  uint64_t len = len7;
  if (extra != 0) {
    len = 0;
    for (size_t i = 0; i < extra; ++i)
      len = (len << 8) | in[2 + i];
  }
  h.payload_length = len;
  if (masked) std::memcpy(h.mask.data(), in.data() + 2 + extra, 4);

  d.status = DecodedHeader::Status::invalid;
  if (extra == 8 && (len >> 63) != 0) {
    d.error = error_of(Rule::length_top_bit_set);
  } else if ((extra == 8 && len <= 0xFFFF) || (extra == 2 && len < length16_marker)) {
    d.error = error_of(Rule::non_minimal_length);  // 64 bits where 16 suffice, or 16 where 7
  } else {
    d.status = DecodedHeader::Status::complete;
  }
  return d;
}

}  // namespace wsprobe::codec
