// The Inflater (RFC 7692 7.2.2): ISA-L's igzip inflates, zlib decides what igzip refuses.

#include <isa-l/igzip_lib.h>
#include <zlib.h>

#include <algorithm>
#include <memory>
#include <new>
#include <vector>

#include "wsprobe/deflate.hpp"

namespace wsprobe::codec {
namespace {

constexpr size_t window_size = size_t{1} << max_window_bits;
// The history buffer holds two windows, so that it is shifted down once per window appended.
constexpr size_t history_capacity = 2 * window_size;
// igzip is given a message's compressed bytes in batches of this many, cut at the same offsets
// of the message whatever the reads (see State). Small enough that a bomb or invalid UTF-8 fails
// while its frame is still arriving (4 KiB of deflate data inflates to at most 4 MiB), large
// enough for igzip's fast loop.
constexpr size_t batch_size = size_t{4} << 10;
// A message's compressed bytes are kept while it lasts (see State; the assembler's limit bounds
// them); a buffer grown past this by a large message is given back when the message ends.
constexpr size_t kept_input_capacity = size_t{1} << 20;

struct ZlibEnd {
  void operator()(z_stream* z) const {
    inflateEnd(z);
    delete z;  // NOLINT(cppcoreguidelines-owning-memory)
  }
};

}  // namespace

// igzip inflates: on 12.x/13.x's data two to three times as fast as zlib (16 KiB messages 1.4
// against 0.7 GB/s, 128 KiB 2.1 against 0.8 GB/s, measured here); inflating was the largest part
// of what both the tester and `wsprobe serve` spent on 12.x/13.x.
//
// Which distances are valid must not depend on how the compressed bytes were split (RFC 6455
// 7.1.7: the failure is the peer's, whatever the reads). igzip keeps RFC 1951's 32 KiB of history
// and takes a distance exactly when that many bytes were inflated since the context began (or set
// as its dictionary), however the calls fell. The context carried from one message to the next is
// cut to the agreed window at each message's end (RFC 7692 7.1.2.1, 7.1.2.2: the sender's LZ77
// window is at most 2^w bytes). A distance is then valid exactly when it reaches no further back
// than the message's own inflated bytes plus the last 2^w bytes before it: a peer that compresses
// with a larger window than agreed is caught when it refers into earlier messages past the window
// (1007), whatever the split; a reference past 2^w inside the message is taken.
//
// On invalid data igzip depends on how its input was cut, and zlib decides. The fuzzer found both:
// - igzip's fast loop (decode_huffman_code_block_stateless_04, ISA-L 2.30) moves its output past
//   a match before checking the match's distance, so the bytes of a call that fails are not all
//   inflated data (uninitialised memory among them);
// - igzip builds a Huffman code from lengths zlib refuses ("invalid code lengths set"); its fast
//   loop then fails on a code the slow loop it takes at the end of an input decodes to a byte.
// So igzip is given the message in batches cut at fixed offsets of the message (batch_size, and
// the rest at its end), the same calls whatever the reads; and nothing of a call that fails is
// delivered: zlib, which checks before it writes, inflates the message again from its start and
// its context, skips what was delivered, delivers the rest up to the exact point of failure and
// inflates the rest of the message. Valid data never takes that path.
struct Inflater::State {
  inflate_state z;  // left as allocated (85 KiB): isal_inflate_init sets the fields it reads
  bool no_context_takeover = false;
  bool ended = false;      // the message's data ended with a BFINAL block (RFC 7692 7.2.3.4)
  bool has_input = false;  // the current message has compressed bytes
  uint8_t window_bits = max_window_bits;
  // Not cleared either: what is inflated is written here and only that much is read.
  std::unique_ptr<uint8_t[]> out = std::make_unique_for_overwrite<uint8_t[]>(chunk_size);

  // The last bytes inflated since the context began, the newest last: what the context is cut to
  // at a message's end, carried across a BFINAL block, or given zlib. Only under context takeover.
  std::unique_ptr<uint8_t[]> history;
  size_t history_size = 0;
  size_t start_mark = 0;  // history_size when the message began: its context ends there
  // The message's context, copied out before the history overwrites it.
  std::unique_ptr<uint8_t[]> start_context;
  size_t start_context_size = 0;
  bool start_saved = false;

  std::vector<uint8_t> input;  // the message's compressed bytes so far, while igzip inflates
  size_t given = 0;            // how many of them igzip was given
  uint64_t delivered = 0;      // bytes of the message given to the sink
  std::unique_ptr<z_stream, ZlibEnd> zlib;  // made the first time igzip refuses a message
  bool in_zlib = false;                     // zlib inflates the rest of this message

  // Readies a new stream with `direction`: the constructor's and reset()'s, so that the two agree.
  // The buffers stay as they are: only what was written to them is ever read.
  void start(DeflateDirection direction);
  void remember(std::span<const uint8_t> chunk);
  void save_start_context();
  std::optional<Error> deliver(std::span<const uint8_t> chunk, const InflateSink& sink);
  std::optional<Error> isal_feed(std::span<const uint8_t> compressed, const InflateSink& sink);
  std::optional<Error> isal_inflate_batch(size_t size, const InflateSink& sink);
  std::optional<Error> zlib_feed(std::span<const uint8_t> compressed, const InflateSink& sink,
                                 uint64_t skip);
  std::optional<Error> inflate_again_with_zlib(const InflateSink& sink);
  [[nodiscard]] bool between_blocks() const;
  void end_message();
};

void Inflater::State::save_start_context() {
  if (start_saved) return;
  start_saved = true;
  start_context_size = std::min(start_mark, window_size);
  if (start_context_size == 0) return;
  if (!start_context) start_context = std::make_unique_for_overwrite<uint8_t[]>(window_size);
  std::copy(history.get() + start_mark - start_context_size, history.get() + start_mark,
            start_context.get());
}

void Inflater::State::remember(std::span<const uint8_t> chunk) {
  if (!history) history = std::make_unique_for_overwrite<uint8_t[]>(history_capacity);
  const bool shifts = chunk.size() >= window_size || history_size + chunk.size() > history_capacity;
  if (shifts) save_start_context();  // what is about to move or go
  if (chunk.size() >= window_size) {
    chunk = chunk.last(window_size);
    history_size = 0;
  } else if (history_size + chunk.size() > history_capacity) {
    const size_t keep = window_size - chunk.size();
    std::copy(history.get() + history_size - keep, history.get() + history_size, history.get());
    history_size = keep;
  }
  std::copy(chunk.begin(), chunk.end(), history.get() + history_size);
  history_size += chunk.size();
}

std::optional<Error> Inflater::State::deliver(std::span<const uint8_t> chunk,
                                              const InflateSink& sink) {
  if (!no_context_takeover) remember(chunk);
  delivered += chunk.size();
  return sink(chunk);
}

std::optional<Error> Inflater::State::isal_feed(std::span<const uint8_t> compressed,
                                                const InflateSink& sink) {
  input.insert(input.end(), compressed.begin(), compressed.end());
  while (input.size() - given >= batch_size && !ended && !in_zlib) {
    if (auto err = isal_inflate_batch(batch_size, sink)) return err;
  }
  return std::nullopt;
}

// Gives igzip the next `size` bytes of the message (all it has not been given when the message
// ends) and delivers what they inflate to, or lets zlib decide when igzip refuses them.
std::optional<Error> Inflater::State::isal_inflate_batch(size_t size, const InflateSink& sink) {
  z.next_in = input.data() + given;
  z.avail_in = static_cast<uint32_t>(size);
  given += size;
  for (;;) {
    z.next_out = out.get();
    z.avail_out = static_cast<uint32_t>(chunk_size);
    if (isal_inflate(&z) < 0) return inflate_again_with_zlib(sink);
    const size_t produced = chunk_size - z.avail_out;
    if (produced != 0) {
      if (auto err = deliver(std::span<const uint8_t>(out.get(), produced), sink)) return err;
    }
    if (z.block_state == ISAL_BLOCK_FINISH) {
      ended = true;
      return std::nullopt;
    }
    // Output room left over means igzip took all it could from this input.
    if (z.avail_out != 0) return std::nullopt;
  }
}

std::optional<Error> Inflater::State::zlib_feed(std::span<const uint8_t> compressed,
                                                const InflateSink& sink, uint64_t skip) {
  z_stream& zs = *zlib;
  zs.next_in =
      const_cast<Bytef*>(compressed.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  zs.avail_in = static_cast<uInt>(compressed.size());
  for (;;) {
    zs.next_out = out.get();
    zs.avail_out = static_cast<uInt>(chunk_size);
    const int r = inflate(&zs, Z_SYNC_FLUSH);
    std::span<const uint8_t> chunk(out.get(), chunk_size - zs.avail_out);
    const size_t skipped = static_cast<size_t>(std::min<uint64_t>(skip, chunk.size()));
    chunk = chunk.subspan(skipped);
    skip -= skipped;
    // What inflated before the error is delivered first (see State).
    if (!chunk.empty()) {
      if (auto err = deliver(chunk, sink)) return err;
    }
    if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR) {
      return error_of(Rule::deflate_invalid_data);
    }
    if (r == Z_STREAM_END) {
      ended = true;
      return std::nullopt;
    }
    if (zs.avail_out != 0 && (zs.avail_in == 0 || r == Z_BUF_ERROR)) return std::nullopt;
  }
}

std::optional<Error> Inflater::State::inflate_again_with_zlib(const InflateSink& sink) {
  if (!zlib) {
    zlib.reset(new z_stream{});  // NOLINT(cppcoreguidelines-owning-memory)
    if (inflateInit2(zlib.get(), -static_cast<int>(max_window_bits)) != Z_OK) {
      zlib.reset();
      throw std::bad_alloc();
    }
  } else {
    inflateReset(zlib.get());
  }
  in_zlib = true;
  if (!no_context_takeover) {
    save_start_context();
    if (start_context_size != 0) {
      inflateSetDictionary(zlib.get(), start_context.get(), static_cast<uInt>(start_context_size));
    }
  }
  std::vector<uint8_t> again;
  again.swap(input);
  given = 0;
  return zlib_feed(again, sink, delivered);
}

bool Inflater::State::between_blocks() const {
  // zlib's data_type has 128 when inflate stopped between blocks. igzip waits for a new block
  // header (ISAL_BLOCK_HDR with none of its bytes taken once it has tried to read one).
  if (in_zlib) return (zlib->data_type & 128) != 0;
  return z.block_state == ISAL_BLOCK_NEW_HDR ||
         (z.block_state == ISAL_BLOCK_HDR && z.tmp_in_size == 0);
}

// Context takeover (RFC 7692 7.2.3.2): the next message may refer to the last 2^w bytes of the
// ones before it, no further (see State). igzip's history holds up to 32 KiB: it is cut to the
// agreed window, and set again after a BFINAL block, which ends igzip's stream but not the context
// (RFC 7692 7.2.3.4), or after zlib inflated the message. Resetting here is safe: the message ended
// between blocks, on a byte boundary (after the 00 00 FF FF tail or a BFINAL block), or it failed.
void Inflater::State::end_message() {
  if (no_context_takeover) {
    isal_inflate_reset(&z);  // RFC 7692 7.1.1: the next message starts without context
  } else {
    const size_t agreed = size_t{1} << window_bits;
    const size_t held = std::min(history_size, window_size);  // what igzip can refer to
    if (ended || in_zlib || held > agreed) {
      const size_t kept = std::min(held, agreed);
      std::copy(history.get() + (history_size - kept), history.get() + history_size, history.get());
      history_size = kept;
      isal_inflate_reset(&z);
      // After a reset igzip always takes a dictionary (it refuses one only mid-stream).
      if (kept != 0) isal_inflate_set_dict(&z, history.get(), static_cast<uint32_t>(kept));
    }
    start_mark = history_size;
  }
  if (input.capacity() > kept_input_capacity) input = {};
  input.clear();
  given = 0;
  delivered = 0;
  start_saved = false;
  in_zlib = false;
  ended = false;
  has_input = false;
}

size_t Inflater::largest_allocation() {
  return std::max({sizeof(State), chunk_size, history_capacity});
}

void Inflater::State::start(DeflateDirection direction) {
  no_context_takeover = direction.no_context_takeover;
  window_bits = direction.window_bits;
  isal_inflate_init(&z);
  // Raw deflate and RFC 1951's window whatever the agreement (see State): end_message() applies
  // the agreed one.
  z.crc_flag = ISAL_DEFLATE;
  z.hist_bits = 0;
  history_size = 0;
  start_mark = 0;
  start_context_size = 0;
  // What end_message() does after every message: the rest is the message's own state.
  if (input.capacity() > kept_input_capacity) input = {};
  input.clear();
  given = 0;
  delivered = 0;
  start_saved = false;
  in_zlib = false;  // zlib is reset before it inflates again (inflate_again_with_zlib)
  ended = false;
  has_input = false;
}

Inflater::Inflater(DeflateDirection direction) : state_(std::make_unique_for_overwrite<State>()) {
  state_->start(direction);
}

void Inflater::reset(DeflateDirection direction) {
  state_->start(direction);
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
  return s.in_zlib ? s.zlib_feed(compressed, sink, 0) : s.isal_feed(compressed, sink);
}

std::optional<Error> Inflater::finish(const InflateSink& sink) {
  State& s = *state_;
  // An empty payload is an empty message: nothing to inflate, the context untouched.
  if (!s.has_input) return std::nullopt;
  if (!s.ended) {
    // RFC 7692 7.2.2: the tail restored, igzip inflates the rest of the message at once.
    if (auto err = feed(deflate_tail, sink)) return err;
    if (!s.in_zlib && !s.ended) {
      if (auto err = s.isal_inflate_batch(s.input.size() - s.given, sink)) return err;
    }
  }
  // Elsewhere than between blocks the message stops inside a block: it was cut short.
  const bool complete = s.ended || s.between_blocks();
  s.end_message();
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
