#pragma once
// Short human-readable descriptions of frames, events and bytes, for evidence and reports.

#include <span>
#include <string>

#include "engine/catalogue.hpp"

namespace wsprobe::harness {

// Printable text quoted (cut at 64 characters), anything else as hex (cut at 32 bytes), with
// the length.
std::string describe_bytes(std::span<const uint8_t> bytes);
std::string describe(const Expected& event);
std::string describe_frame(const codec::FrameHeader& header, std::span<const uint8_t> payload);

}  // namespace wsprobe::harness
