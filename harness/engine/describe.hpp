#pragma once
// Short human-readable descriptions of frames, events and bytes, for evidence and reports.

#include <span>
#include <string>

#include "engine/catalogue.hpp"

namespace wsprobe::harness {

// Printable text quoted (cut at 64 characters), anything else as hex (cut at 32 bytes), with
// the length.
std::string describe_bytes(std::span<const uint8_t> bytes);
// The same for a payload; a generated one is described from its start, never generated whole.
std::string describe_payload(const Payload& payload);
std::string describe(const Expected& event);
std::string describe_frame(const codec::FrameHeader& header, const Payload& payload);

}  // namespace wsprobe::harness
