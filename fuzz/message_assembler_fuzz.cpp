// Fuzz target: frame parser + message assembler (as a client receives), with the message limit
// and UTF-8 switch from byte 0 and the input's read boundaries.
// Oracles: messages and verdict do not depend on the split; no message exceeds the limit; text
// messages are valid UTF-8 by the reference decoder; a failure is 1002, 1007 or 1009, and 1007
// comes exactly when the reference finds invalid text; allocation stays within the limit.

#include "fuzz_support.hpp"
#include "wsprobe/message_assembler.hpp"

using namespace wsprobe;

namespace {

struct Result {
  std::vector<std::pair<codec::Opcode, std::vector<uint8_t>>> items;
  std::optional<codec::Error> error;
  std::vector<uint8_t> open_text;  // text received so far in an unfinished or failed message
  bool operator==(const Result&) const = default;
};

Result run(const codec::AssemblerOptions& o, std::span<const uint8_t> stream,
           const std::vector<size_t>& cuts) {
  codec::FrameParser parser(codec::FrameParserOptions{codec::Role::client, 0, UINT64_MAX >> 1});
  codec::MessageAssembler assembler(o);
  Result r;
  std::vector<uint8_t> buf;
  size_t from = 0;
  bool text = false;
  for (size_t k = 0; k <= cuts.size() && !r.error; ++k) {
    const size_t to = k < cuts.size() ? cuts[k] : stream.size();
    buf.assign(stream.begin() + static_cast<std::ptrdiff_t>(from),
               stream.begin() + static_cast<std::ptrdiff_t>(to));
    from = to;
    std::span<uint8_t> in(buf);
    for (;;) {
      const codec::FrameEvent ev = parser.next(in);
      if (ev.kind == codec::FrameEvent::Kind::need_more) break;
      if (ev.kind == codec::FrameEvent::Kind::header && !codec::is_control(ev.header->opcode) &&
          ev.header->opcode != 0) {
        text = ev.header->opcode == 1;
        r.open_text.clear();
      }
      if (ev.kind == codec::FrameEvent::Kind::payload && text &&
          !codec::is_control(ev.header->opcode)) {
        r.open_text.insert(r.open_text.end(), ev.payload.begin(), ev.payload.end());
      }
      codec::Assembled a = assembler.feed(ev);
      if (a.kind == codec::Assembled::Kind::error) {
        r.error = a.error;
        break;
      }
      if (a.kind != codec::Assembled::Kind::none)
        r.items.emplace_back(a.opcode, std::move(a.payload));
    }
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Input in = fuzz::split_input(data, size);
  codec::AssemblerOptions o;
  o.max_message_size = uint64_t{1} << (in.config & 0xF);  // 1 B .. 32 KiB
  o.validate_utf8 = (in.config & 0x10) == 0;

  fuzz::AllocGuard guard;
  const Result whole = run(o, in.stream, {});
  FUZZ_CHECK(guard.largest() <= 2 * std::max<size_t>(o.max_message_size, in.stream.size()) +
                                    in.stream.size() * sizeof(whole.items[0]) + 4096);
  const Result pieces = run(o, in.stream, in.cuts);
  FUZZ_CHECK(whole.items == pieces.items);
  FUZZ_CHECK(whole.error == pieces.error);
  for (const auto& [opcode, payload] : whole.items) {
    if (codec::is_control(static_cast<uint8_t>(opcode))) {
      FUZZ_CHECK(payload.size() <= codec::max_control_payload);
      continue;
    }
    FUZZ_CHECK(opcode == codec::Opcode::text || opcode == codec::Opcode::binary);
    FUZZ_CHECK(payload.size() <= o.max_message_size);
    if (opcode == codec::Opcode::text && o.validate_utf8) {
      FUZZ_CHECK(fuzz::reference_utf8_failure(payload) == -1);
    }
  }
  if (whole.error) {
    const uint16_t code = whole.error->close_code;
    FUZZ_CHECK(code == 1002 || code == 1007 || code == 1009);
    FUZZ_CHECK(whole.error->rule != codec::Rule::unspecified);  // every error names its rule
    FUZZ_CHECK(*whole.error == codec::error_of(whole.error->rule));
    if (code == 1007) {
      // The text seen so far (up to and including the failing piece) must really be invalid,
      // as a prefix: the reference fails inside it, or it ends inside a sequence at message end.
      FUZZ_CHECK(o.validate_utf8 && fuzz::reference_utf8_failure(whole.open_text) != -1);
    }
  }
  return 0;
}
