// Fuzz target: the incremental frame parser, in the role, RSV mask and frame limit that byte 0
// picks, with the read boundaries the input chooses.
// Oracles: the frames and verdict do not depend on the split (the input's, and one byte at a time
// over the whole of a small input or a window of a large one, see fuzz::byte_cuts); every frame
// that parses re-serializes to exactly the bytes it came from; no frame breaking a header rule is
// delivered; a failure carries 1002 or 1009; nothing is allocated for a claimed length.

#include <optional>
#include <span>
#include <vector>

#include "frame_log.hpp"
#include "fuzz_support.hpp"
#include "wsprobe/frame_parser.hpp"

using namespace wsprobe;

namespace {

// A frame of the whole stream, its payload viewed where the parser unmasked it.
struct FrameRef {
  codec::FrameHeader header;
  std::span<const uint8_t> payload;
};
// What parsing the whole stream gave, as a vectors::FrameLog has it, without copying a payload
// (vectors::pieces_match takes either).
struct WholeLog {
  const std::vector<FrameRef>& frames;
  std::optional<codec::Error> error;
  bool mid_frame = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Input in = fuzz::split_input(data, size);
  codec::FrameParserOptions o;
  o.role = (in.config & 1) != 0 ? codec::Role::server : codec::Role::client;
  o.allowed_rsv = (in.config >> 1) & 7;
  o.max_frame_size = (in.config & 0x10) != 0 ? 200 : (UINT64_MAX >> 1);

  // The whole stream, unmasked in a copy that the frames then view. Both are kept from one
  // input to the next (emptied, never freed), and the frames' room is made before the guard is
  // armed: a frame takes two bytes at least.
  thread_local std::vector<uint8_t> copy;
  thread_local std::vector<FrameRef> frames;
  copy.assign(in.stream.begin(), in.stream.end());
  frames.clear();
  frames.reserve(in.stream.size() / 2 + 1);
  WholeLog whole{frames, std::nullopt, false};
  {
    // The parser never allocates: not for a claimed length, not for anything.
    codec::FrameParser parser(o);
    std::span<uint8_t> rest(copy);
    bool in_frame = false;
    FrameRef current;
    const fuzz::AllocGuard guard;
    for (auto ev = parser.next(rest); ev.kind != codec::FrameEvent::Kind::need_more;
         ev = parser.next(rest)) {
      if (ev.kind == codec::FrameEvent::Kind::error) {
        whole.error = *ev.error;
        break;
      }
      if (ev.kind == codec::FrameEvent::Kind::header) {
        current = FrameRef{*ev.header, {}};
        in_frame = true;
      }
      if (ev.kind == codec::FrameEvent::Kind::payload) {
        // Unmasked in place: the pieces of a payload follow one another in the copy.
        FUZZ_CHECK(current.payload.empty() ||
                   ev.payload.data() == current.payload.data() + current.payload.size());
        const uint8_t* from = current.payload.empty() ? ev.payload.data() : current.payload.data();
        current.payload = {from, current.payload.size() + ev.payload.size()};
      }
      if (ev.kind == codec::FrameEvent::Kind::end) {
        frames.push_back(current);
        in_frame = false;
      }
    }
    FUZZ_CHECK(guard.count() == 0);
    whole.mid_frame = !whole.error && (in_frame || !parser.at_frame_boundary());
  }
  // Compared event by event as the pieces are read (vectors::pieces_match).
  FUZZ_CHECK(vectors::pieces_match(o, in.stream, in.cuts, whole));
  FUZZ_CHECK(vectors::pieces_match(o, in.stream, fuzz::byte_cuts(in), whole));

  // The frames re-encoded, one after the other, are a prefix of the stream.
  size_t reencoded = 0;
  for (const auto& f : frames) {
    FUZZ_CHECK(!codec::check_header(f.header, o));
    FUZZ_CHECK(f.payload.size() == f.header.payload_length);
    const auto bytes = codec::encode_frame(f.header, f.payload);
    FUZZ_CHECK(bytes.size() <= in.stream.size() - reencoded);
    FUZZ_CHECK(std::equal(bytes.begin(), bytes.end(),
                          in.stream.begin() + static_cast<std::ptrdiff_t>(reencoded)));
    reencoded += bytes.size();
  }
  if (whole.error) {
    const uint16_t code = whole.error->close_code;
    FUZZ_CHECK(code == codec::close_code::protocol_error ||
               (code == codec::close_code::message_too_big && (in.config & 0x10) != 0));
    FUZZ_CHECK(
        whole.error->reason.starts_with("RFC 6455") ||
        whole.error->reason.starts_with("RFC 7692"));  // the RSV1 rules of permessage-deflate
    FUZZ_CHECK(whole.error->rule != codec::Rule::unspecified);  // every error names its rule
    FUZZ_CHECK(*whole.error == codec::error_of(whole.error->rule));
  } else if (!whole.mid_frame) {
    FUZZ_CHECK(reencoded == in.stream.size());  // every byte belonged to a frame
  }
  return 0;
}
