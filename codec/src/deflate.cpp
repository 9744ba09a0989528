#include "wsprobe/deflate.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <new>

namespace wsprobe::codec {
namespace {

// RFC 7692 7.2.1: the tail a sync flush ends with, removed by the sender, restored by the receiver.
constexpr std::array<uint8_t, 4> sync_tail{0x00, 0x00, 0xff, 0xff};

// zlib refuses raw deflate with an 8-bit window (deflateInit2 gives Z_STREAM_ERROR since 1.2.9).
// Compressing with 9 stays within an agreed 8: zlib never emits a distance beyond
// window - MIN_LOOKAHEAD (512 - 262 = 250 bytes for 9 bits), inside the 256 bytes allowed.
int deflate_window_bits(uint8_t bits) {
  return -std::max<int>(bits, 9);
}

}  // namespace

// ---- Deflater ----

struct Deflater::State {
  z_stream z{};
  bool no_context_takeover = false;
  ~State() { deflateEnd(&z); }
};

Deflater::Deflater(DeflateDirection direction, int level, int mem_level)
    : state_(std::make_unique<State>()) {
  state_->no_context_takeover = direction.no_context_takeover;
  if (deflateInit2(&state_->z, level, Z_DEFLATED, deflate_window_bits(direction.window_bits),
                   mem_level, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::bad_alloc();  // only memory can fail with valid parameters
  }
}

Deflater::~Deflater() = default;
Deflater::Deflater(Deflater&&) noexcept = default;
Deflater& Deflater::operator=(Deflater&&) noexcept = default;

void Deflater::compress(std::span<const uint8_t> message, std::vector<uint8_t>& out) {
  // RFC 7692 7.2.3.6: an empty message is one empty stored block, 00 once the tail is removed.
  // (zlib produces nothing at all for a second sync flush without input.)
  if (message.empty()) {
    out.push_back(0x00);
    return;
  }
  z_stream& z = state_->z;
  const size_t start = out.size();
  z.next_in = const_cast<Bytef*>(message.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  z.avail_in = static_cast<uInt>(message.size());
  // RFC 7692 7.2.1: compress, then flush to a byte boundary with an empty stored block.
  for (;;) {
    const size_t room = std::max<size_t>(deflateBound(&z, z.avail_in) + 16, 64);
    const size_t used = out.size();
    out.resize(used + room);
    z.next_out = out.data() + used;
    z.avail_out = static_cast<uInt>(room);
    (void)deflate(&z, Z_SYNC_FLUSH);
    out.resize(used + room - z.avail_out);
    if (z.avail_in == 0 && z.avail_out != 0) break;
  }
  // The flush ends with 00 00 FF FF: remove it.
  if (out.size() - start >= sync_tail.size() &&
      std::equal(sync_tail.begin(), sync_tail.end(), out.end() - sync_tail.size())) {
    out.resize(out.size() - sync_tail.size());
  }
  // RFC 7692 7.1.1: without context takeover every message starts from an empty window.
  if (state_->no_context_takeover) deflateReset(&z);
}

// ---- Inflater ----

struct Inflater::State {
  z_stream z{};
  bool no_context_takeover = false;
  bool ended = false;      // the message's data ended with a BFINAL block (RFC 7692 7.2.3.4)
  bool has_input = false;  // the current message has compressed bytes
  uint8_t window_bits = max_window_bits;
  std::vector<uint8_t> out = std::vector<uint8_t>(chunk_size);
  ~State() { inflateEnd(&z); }
};

Inflater::Inflater(DeflateDirection direction) : state_(std::make_unique<State>()) {
  state_->no_context_takeover = direction.no_context_takeover;
  state_->window_bits = direction.window_bits;
  // The agreed window is all the context kept between messages (RFC 7692 7.1.2). zlib does not
  // check distances against it within what one call outputs, so this does not catch a peer
  // that compresses with a larger window than agreed; only references beyond the kept context.
  if (inflateInit2(&state_->z, -static_cast<int>(direction.window_bits)) != Z_OK) {
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
    z.next_out = s.out.data();
    z.avail_out = static_cast<uInt>(s.out.size());
    const int r = inflate(&z, Z_SYNC_FLUSH);
    const size_t produced = s.out.size() - z.avail_out;
    // What inflated before an error is delivered first: the events then do not depend on how
    // the data was split (one call may produce and fail where many calls produce, then fail).
    if (produced != 0) {
      if (auto err = sink(std::span<const uint8_t>(s.out.data(), produced))) return err;
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
  const bool reset = s.no_context_takeover || s.ended;
  std::vector<uint8_t> window;
  if (reset && !s.no_context_takeover) {
    // A BFINAL block ends zlib's stream but not the context the next message may refer to.
    window.resize(size_t{1} << s.window_bits);
    uInt size = 0;
    inflateGetDictionary(&s.z, window.data(), &size);
    window.resize(size);
  }
  if (reset) {
    inflateReset(&s.z);
    if (!window.empty())
      inflateSetDictionary(&s.z, window.data(), static_cast<uInt>(window.size()));
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
