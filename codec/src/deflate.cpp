#include "wsprobe/deflate.hpp"

#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace wsprobe::codec {
// ---- Deflater ----

// Intel's ISA-L (igzip) compresses (and inflates, see inflate.cpp): at level 1 igzip compresses
// JSON four to six times as fast as zlib's level 1, to the same size (measured here: 969 against
// 157 MB/s, ratio 7.6 against 7.4), and compressing is most of what an endpoint does when 12.x/13.x
// send 11 GB. Unlike zlib it takes an 8-bit window as it is (RFC 7692 7.1.2.1 allows 8 to 15).
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
  size_t level_buffer_capacity = 0;
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
  reset(direction, level);
}

// The constructor's setup. A level buffer kept from before is used when it is large enough:
// igzip sizes its hash table by level_buf_size, the level's own size whatever the buffer holds.
void Deflater::reset(DeflateDirection direction, int level) {
  if (level < min_deflate_level || level > max_deflate_level) {
    throw std::invalid_argument("deflate level " + std::to_string(level) + " is not 0-3");
  }
  State& s = *state_;
  isal_deflate_init(&s.z);
  const size_t level_size = level_buffer_size(level);
  if (level_size > s.level_buffer_capacity) {
    s.level_buffer = std::make_unique_for_overwrite<uint8_t[]>(level_size);
    s.level_buffer_capacity = level_size;
  }
  s.z.level = static_cast<uint32_t>(level);
  s.z.level_buf = level_size != 0 ? s.level_buffer.get() : nullptr;
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
  if (out.size() - start >= deflate_tail.size() &&
      std::equal(deflate_tail.begin(), deflate_tail.end(), out.end() - deflate_tail.size())) {
    out.resize(out.size() - deflate_tail.size());
  }
}

}  // namespace wsprobe::codec
