#include "wsprobe/frame_parser.hpp"

#include <algorithm>
#include <cstring>

namespace wsprobe::codec {

std::optional<Error> check_header(const FrameHeader& h, const FrameParserOptions& options) {
  if (is_reserved_opcode(h.opcode)) {
    return error_of(Rule::reserved_opcode);
  }
  // RFC 6455 5.2: RSV bits only as a negotiated extension defines them. The one we know,
  // permessage-deflate, defines RSV1 on the first frame of a data message only (RFC 7692 6.1).
  const bool first_data_frame = !is_control(h.opcode) && h.opcode != 0;
  const uint8_t allowed = first_data_frame ? options.allowed_rsv : 0;
  if ((h.rsv & ~allowed) != 0) {
    // A bit the extension defines, on a frame it is not defined for (RFC 7692 6.1).
    if ((h.rsv & ~options.allowed_rsv) == 0) return error_of(Rule::rsv1_on_control_or_continuation);
    return error_of(Rule::rsv_without_extension);
  }
  if (is_control(h.opcode)) {
    if (!h.fin) return error_of(Rule::control_frame_fragmented);
    if (h.payload_length > max_control_payload) {
      return error_of(Rule::control_frame_too_long);
    }
  }
  if (options.role == Role::server && !h.masked) {
    return error_of(Rule::unmasked_client_frame);
  }
  if (options.role == Role::client && h.masked) {
    return error_of(Rule::masked_server_frame);
  }
  // Control frames are bounded at 125 bytes already; the limit is for data.
  if (!is_control(h.opcode) && h.payload_length > options.max_frame_size) {
    return error_of(Rule::frame_too_big);
  }
  return std::nullopt;
}

FrameEvent FrameParser::fail(Error error) {
  phase_ = Phase::failed;
  error_ = error;
  return event(FrameEvent::Kind::error);
}

FrameEvent FrameParser::start_frame(const DecodedHeader& decoded) {
  if (auto err = check_header(decoded.header, options_)) return fail(*err);
  header_ = decoded.header;
  received_ = 0;
  phase_ = header_.payload_length == 0 ? Phase::end : Phase::payload;
  return event(FrameEvent::Kind::header);
}

FrameEvent FrameParser::next(std::span<uint8_t>& input) {
  switch (phase_) {
    case Phase::failed:
      return event(FrameEvent::Kind::error);
    case Phase::end:
      phase_ = Phase::header;
      return event(FrameEvent::Kind::end);
    case Phase::payload: {
      if (input.empty()) return FrameEvent{};
      const uint64_t remaining = header_.payload_length - received_;
      const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining, input.size()));
      const std::span<uint8_t> piece = input.first(take);
      // The key's phase carries over from the previous piece (RFC 6455 5.3: j = i MOD 4).
      if (header_.masked) apply_mask(piece, header_.mask, received_);
      received_ += take;
      input = input.subspan(take);
      if (received_ == header_.payload_length) phase_ = Phase::end;
      return event(FrameEvent::Kind::payload, piece);
    }
    case Phase::header:
      break;
  }

  // Fast path: the whole header is in this read.
  if (spill_size_ == 0) {
    const DecodedHeader d = decode_header(input);
    if (d.status == DecodedHeader::Status::complete) {
      input = input.subspan(d.size);
      return start_frame(d);
    }
    if (d.status == DecodedHeader::Status::invalid) return fail(d.error);
  }
  // Slow path: gather a header split across reads into spill_, a byte range at a time.
  for (;;) {
    const DecodedHeader d = decode_header(std::span<const uint8_t>(spill_.data(), spill_size_));
    if (d.status == DecodedHeader::Status::complete) {
      spill_size_ = 0;
      return start_frame(d);
    }
    if (d.status == DecodedHeader::Status::invalid) return fail(d.error);
    if (input.empty()) return FrameEvent{};
    const size_t take = std::min(d.size - spill_size_, input.size());
    std::memcpy(spill_.data() + spill_size_, input.data(), take);
    spill_size_ += take;
    input = input.subspan(take);
  }
}

}  // namespace wsprobe::codec
