#pragma once
// Short human-readable descriptions of frames, events and bytes, for evidence and reports.

#include <span>
#include <string>
#include <vector>

#include "engine/catalogue.hpp"

namespace wsprobe::harness {

// Printable text quoted (cut at 64 characters), anything else as hex (cut at 32 bytes), with
// the length.
std::string describe_bytes(std::span<const uint8_t> bytes);
// The same for a payload; a generated one is described from its start, never generated whole.
std::string describe_payload(const Payload& payload);
std::string describe(const Expected& event);
// A case's expected events, a line per run: "1000 x binary ... (this the first; ...)".
std::vector<std::string> describe_runs(const Expectations& events);
// A line standing for `copies` of a step or an event: "1000 x LINE", saying how successive
// windows of a data set follow the first.
std::string describe_copies(std::string line, size_t copies, const PayloadWindows* windows);
// Events received, a line per run of the same description: a flood of pings reads
// "2000 x ping ..." once, not 2000 lines kept until the reports are written.
std::vector<std::string> describe_runs(std::span<const Expected> events);
// Events received when the first `matched` were equal to the expectation: those as the
// expectation's own runs (1000 echoes of successive windows read as one line, not 1000 kept
// until the reports are written), then the rest as describe_runs has them.
std::vector<std::string> describe_received(const Expectations& expected, size_t matched,
                                           const std::vector<Expected>& events);
// A case's frame as it goes out: its wrong masking (a case's `"mask": false`) reads "unmasked"
// when the tester is the client and "masked" when it is the server (RFC 6455 5.1 forbids both).
std::string describe_frame(const codec::FrameHeader& header, const Payload& payload,
                           bool from_server = false);

}  // namespace wsprobe::harness
