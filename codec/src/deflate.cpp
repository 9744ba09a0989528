#include "wsprobe/deflate.hpp"

#include <isa-l/igzip_lib.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace wsprobe::codec {
namespace {

// RFC 7692 7.2.1: the tail a sync flush ends with, removed by the sender, restored by the receiver.
constexpr std::array<uint8_t, 4> sync_tail{0x00, 0x00, 0xff, 0xff};

}  // namespace

// ---- Deflater ----

// Intel's ISA-L (igzip) compresses, zlib inflates: at level 1 igzip compresses JSON four to six
// times as fast as zlib's level 1, to the same size (measured here: 969 against 157 MB/s, ratio
// 7.6 against 7.4), and compressing is most of what an endpoint does when 12.x/13.x send 11 GB.
// Unlike zlib it takes an 8-bit window as it is (RFC 7692 7.1.2.1 allows 8 to 15).
//
// None of this memory is cleared: the stream is 80 KiB and the level buffer 84-148 KiB, and
// zero-filling them was most of what making a Deflater cost (a quarter of the deflate fuzzer's
// time, in page faults and memset). igzip needs no clearing: isal_deflate_init sets the fields it
// reads, the first isal_deflate after it (has_hist == IGZIP_NO_HIST) fills the part of the hash
// table that hash_mask lets it index (reset_match_history), and each block starts its part of
// the level buffer afresh (init_new_icf_block). igzip's own igzip_cli and example use a stack
// stream and a malloc'd level buffer the same way. Valgrind does report reads of the level
// buffer, nearly all in level 3's token slots past the ones just made (set_long_icf_fg's vector
// loop extends matches into them; they are made again before use), which a zeroed buffer only
// turned into reads of stale tokens from earlier rounds. The bytes are the same whatever the
// memory held: deflate_test compresses over memory filled with 00, ff and a5. (They can depend,
// rarely, on where the memory lies: a full flush at level 1 or 2 gave other bytes for about 1
// case in 2,500 random ones with two Deflaters at different addresses, zeroed or not; all of them
// inflate to the message.)
struct Deflater::State {
  isal_zstream z;                           // left as allocated: isal_deflate_init sets it
  std::unique_ptr<uint8_t[]> level_buffer;  // the hash chains and tokens levels 1-3 work in
  // igzip's output goes here first: growing `out` by the bound would zero-fill it on every
  // message (for 128 KiB messages that memset cost as much as a tenth of the compression).
  std::unique_ptr<uint8_t[]> scratch;
  size_t scratch_size = 0;
};

namespace {

size_t level_buffer_size(int level) {
  switch (level) {
    case 1:
      return ISAL_DEF_LVL1_SMALL;
    case 2:
      return ISAL_DEF_LVL2_SMALL;
    case 3:
      return ISAL_DEF_LVL3_SMALL;
    default:
      return 0;
  }
}

}  // namespace

Deflater::Deflater(DeflateDirection direction, int level)
    : state_(std::make_unique_for_overwrite<State>()) {
  if (level < min_deflate_level || level > max_deflate_level) {
    throw std::invalid_argument("deflate level " + std::to_string(level) + " is not 0-3");
  }
  State& s = *state_;
  isal_deflate_init(&s.z);
  const size_t level_size = level_buffer_size(level);
  if (level_size != 0) s.level_buffer = std::make_unique_for_overwrite<uint8_t[]>(level_size);
  s.z.level = static_cast<uint32_t>(level);
  s.z.level_buf = s.level_buffer.get();
  s.z.level_buf_size = static_cast<uint32_t>(level_size);
  s.z.hist_bits = direction.window_bits;  // RFC 7692 7.1.2: no distance beyond the agreed window
  // RFC 7692 7.2.1: each message ends with an empty stored block (00 00 FF FF). A full flush also
  // drops the history, as no_context_takeover requires (7.1.1); a sync flush keeps it.
  s.z.flush = direction.no_context_takeover ? FULL_FLUSH : SYNC_FLUSH;
  s.z.end_of_stream = 0;
}

Deflater::~Deflater() = default;
Deflater::Deflater(Deflater&&) noexcept = default;
Deflater& Deflater::operator=(Deflater&&) noexcept = default;

void Deflater::compress(std::span<const uint8_t> message, std::vector<uint8_t>& out) {
  // RFC 7692 7.2.3.6: an empty message is one empty stored block, 00 once the tail is removed.
  if (message.empty()) {
    out.push_back(0x00);
    return;
  }
  State& s = *state_;
  isal_zstream& z = s.z;
  const size_t start = out.size();
  z.next_in =
      const_cast<uint8_t*>(message.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  z.avail_in = static_cast<uint32_t>(message.size());
  // Room for incompressible input plus block headers; more rounds if that is not enough.
  const size_t room = message.size() + message.size() / 8 + 1024;
  if (s.scratch_size < room) {
    s.scratch = std::make_unique_for_overwrite<uint8_t[]>(room);
    s.scratch_size = room;
  }
  for (;;) {
    z.next_out = s.scratch.get();
    z.avail_out = static_cast<uint32_t>(s.scratch_size);
    if (isal_deflate(&z) != COMP_OK) throw std::logic_error("isal_deflate refused its own setup");
    const size_t produced = s.scratch_size - z.avail_out;
    out.insert(out.end(), s.scratch.get(), s.scratch.get() + produced);
    // Output room left over once all input is taken means the flush is written too.
    if (z.avail_in == 0 && z.avail_out != 0) break;
  }
  // The flush ends with 00 00 FF FF: remove it.
  if (out.size() - start >= sync_tail.size() &&
      std::equal(sync_tail.begin(), sync_tail.end(), out.end() - sync_tail.size())) {
    out.resize(out.size() - sync_tail.size());
  }
}

// ---- Inflater ----

// Which distances are valid must not depend on how the compressed bytes were split (RFC 6455
// 7.1.7: the failure is the peer's, whatever the reads). zlib checks a distance against its
// window plus what the current inflate() call has written: with a window of the agreed 2^w
// bytes, a distance beyond it was taken when the bytes it reaches back to came out in the same
// call (one large read) and refused when they did not (many small ones), and a message gave 1007
// for invalid data or went on to other events depending on the reads. So zlib keeps RFC 1951's
// 32 KiB window, in which every distance is checked against all the bytes inflated since the
// context began, and the context carried from one message to the next is cut to the agreed
// window at each message's end (RFC 7692 7.1.2.1, 7.1.2.2: the sender's LZ77 window is at most
// 2^w bytes). A distance is then valid exactly when it reaches no further back than the message's
// own inflated bytes plus the last 2^w bytes before it: a peer that compresses with a larger
// window than agreed is caught when it refers into earlier messages past the window (1007),
// whatever the split; a reference past 2^w that stays inside the message is taken.
struct Inflater::State {
  z_stream z{};
  bool no_context_takeover = false;
  bool ended = false;      // the message's data ended with a BFINAL block (RFC 7692 7.2.3.4)
  bool has_input = false;  // the current message has compressed bytes
  uint8_t window_bits = max_window_bits;
  // Not cleared either: zlib writes what it inflates here and only that much is read.
  std::unique_ptr<uint8_t[]> out = std::make_unique_for_overwrite<uint8_t[]>(chunk_size);
  // zlib's window copied out when it is cut or carried across a BFINAL block (made on first use;
  // zlib copies what it holds into it, so it is not cleared).
  std::unique_ptr<uint8_t[]> context;
  ~State() { inflateEnd(&z); }
};

Inflater::Inflater(DeflateDirection direction) : state_(std::make_unique<State>()) {
  state_->no_context_takeover = direction.no_context_takeover;
  state_->window_bits = direction.window_bits;
  // RFC 1951's window whatever the agreement (see State): keep_context() applies the agreed one.
  if (inflateInit2(&state_->z, -static_cast<int>(max_window_bits)) != Z_OK) {
    throw std::bad_alloc();
  }
}

Inflater::~Inflater() = default;
Inflater::Inflater(Inflater&&) noexcept = default;
Inflater& Inflater::operator=(Inflater&&) noexcept = default;

// Compressed data that does not inflate fails the connection with 1007, not 1002: the frames
// are well formed, it is the message's data that is not what its RSV1 says it is, the way
// invalid UTF-8 is not what a text opcode says (RFC 6455 7.4.1: "data within a message that was
// not consistent with the type of the message"). RFC 7692 names no code; ws sends 1007,
// python-websockets 1002; the catalogue accepts both from a peer.
std::optional<Error> Inflater::feed(std::span<const uint8_t> compressed, const InflateSink& sink) {
  State& s = *state_;
  if (compressed.empty()) return std::nullopt;
  s.has_input = true;
  if (s.ended) return std::nullopt;  // RFC 7692 7.2.3.4: what follows a BFINAL block is unused
  z_stream& z = s.z;
  z.next_in =
      const_cast<Bytef*>(compressed.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  z.avail_in = static_cast<uInt>(compressed.size());
  for (;;) {
    z.next_out = s.out.get();
    z.avail_out = static_cast<uInt>(chunk_size);
    const int r = inflate(&z, Z_SYNC_FLUSH);
    const size_t produced = chunk_size - z.avail_out;
    // What inflated before an error is delivered first: the events then do not depend on how
    // the data was split (one call may produce and fail where many calls produce, then fail).
    if (produced != 0) {
      if (auto err = sink(std::span<const uint8_t>(s.out.get(), produced))) return err;
    }
    if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR) {
      return error_of(Rule::deflate_invalid_data);
    }
    if (r == Z_STREAM_END) {
      s.ended = true;
      return std::nullopt;
    }
    // Output room left over means zlib took all it could from this input.
    if (z.avail_out != 0 && (z.avail_in == 0 || r == Z_BUF_ERROR)) return std::nullopt;
  }
}

namespace {

// Context takeover (RFC 7692 7.2.3.2): the next message may refer to the last 2^w bytes of the
// ones before it, no further (see Inflater::State). zlib's window holds up to 32 KiB: it is cut
// to the agreed window, and carried across a BFINAL block, which ends zlib's stream but not the
// context (RFC 7692 7.2.3.4). Resetting here is safe: the message ended between blocks, on a
// byte boundary (after the 00 00 FF FF tail or a BFINAL block), or it failed.
void keep_context(z_stream& z, bool ended, uint8_t window_bits,
                  std::unique_ptr<uint8_t[]>& context) {
  const uInt agreed = uInt{1} << window_bits;
  uInt held = 0;
  inflateGetDictionary(&z, nullptr, &held);  // the length only
  if (!ended && held <= agreed) return;      // already within the window: zlib goes on as it is
  if (!context) context = std::make_unique_for_overwrite<uint8_t[]>(size_t{1} << max_window_bits);
  inflateGetDictionary(&z, context.get(), &held);  // oldest first
  const uInt kept = std::min(held, agreed);
  inflateReset(&z);
  if (kept != 0) inflateSetDictionary(&z, context.get() + (held - kept), kept);
}

}  // namespace

std::optional<Error> Inflater::finish(const InflateSink& sink) {
  State& s = *state_;
  // An empty payload is an empty message: nothing to inflate, the context untouched.
  if (!s.has_input) return std::nullopt;
  if (!s.ended) {
    if (auto err = feed(sync_tail, sink)) return err;
  }
  // zlib's data_type has 128 when inflate stopped between blocks; elsewhere the message stops
  // inside a block: it was cut short.
  const bool complete = s.ended || (s.z.data_type & 128) != 0;
  if (s.no_context_takeover) {
    inflateReset(&s.z);  // RFC 7692 7.1.1: the next message starts without context
  } else {
    keep_context(s.z, s.ended, s.window_bits, s.context);
  }
  s.ended = false;
  s.has_input = false;
  if (!complete) return error_of(Rule::deflate_invalid_data);
  return std::nullopt;
}

std::optional<std::vector<uint8_t>> inflate_message(Inflater& inflater,
                                                    std::span<const uint8_t> compressed,
                                                    uint64_t limit) {
  std::vector<uint8_t> message;
  const InflateSink sink = [&](std::span<const uint8_t> chunk) -> std::optional<Error> {
    if (chunk.size() > limit - message.size()) return error_of(Rule::inflated_message_too_big);
    message.insert(message.end(), chunk.begin(), chunk.end());
    return std::nullopt;
  };
  if (inflater.feed(compressed, sink) || inflater.finish(sink)) return std::nullopt;
  return message;
}

}  // namespace wsprobe::codec
