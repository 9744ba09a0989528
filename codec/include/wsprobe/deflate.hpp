#pragma once
// permessage-deflate's payload transformation (RFC 7692 7.2) on raw deflate: a Deflater (ISA-L's
// igzip, deflate.cpp) that compresses whole messages and an Inflater (igzip, zlib deciding what
// igzip refuses; inflate.cpp) fed a message's compressed bytes as
// its frames arrive. Both honour the agreed window and context takeover (deflate_params.hpp).

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "wsprobe/deflate_params.hpp"
#include "wsprobe/error.hpp"

namespace wsprobe::codec {

// The compression level of what an endpoint sends unless told otherwise: igzip's 1 of 0-3 (see
// deflate.cpp). What a peer must do to inflate does not depend on the level (RFC 7692 leaves it to
// the sender); 2 and 3 compress a little smaller for a little more time, 0 fastest.
inline constexpr int min_deflate_level = 0;
inline constexpr int max_deflate_level = 3;
inline constexpr int default_deflate_level = 1;

// RFC 7692 7.2.1: the tail a sync flush ends with, removed by the sender, restored by the receiver
// (7.2.2).
inline constexpr std::array<uint8_t, 4> deflate_tail{0x00, 0x00, 0xff, 0xff};

class Deflater {
 public:
  // `level`: min_deflate_level to max_deflate_level; std::invalid_argument otherwise.
  explicit Deflater(DeflateDirection direction, int level = default_deflate_level);
  ~Deflater();
  Deflater(Deflater&&) noexcept;
  Deflater& operator=(Deflater&&) noexcept;
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // Appends the compressed form of one whole message to `out`, without the trailing
  // 00 00 FF FF (RFC 7692 7.2.1); the context is reset afterwards under no_context_takeover.
  void compress(std::span<const uint8_t> message, std::vector<uint8_t>& out);
  // Starts over as Deflater(direction, level) would, without the context of earlier messages,
  // keeping the memory it holds (a new level's buffer is allocated only when it needs more).
  void reset(DeflateDirection direction, int level = default_deflate_level);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Takes inflated bytes a bounded chunk at a time; an Error stops inflating and is returned.
using InflateSink = std::function<std::optional<Error>(std::span<const uint8_t>)>;

class Inflater {
 public:
  // Inflated bytes reach the sink in chunks of at most this many (at least igzip's own output
  // buffer, see deflate.cpp).
  static constexpr size_t chunk_size = size_t{66} << 10;

  // The largest block of memory an Inflater allocates, whatever it is fed (its state, its output
  // chunk or the history it keeps): bounds for allocation oracles.
  static size_t largest_allocation();

  explicit Inflater(DeflateDirection direction);
  ~Inflater();
  Inflater(Inflater&&) noexcept;
  Inflater& operator=(Inflater&&) noexcept;
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // The next compressed bytes of the current message, any split. Returns the sink's error, or
  // deflate_invalid_data (1007) when the bytes cannot be deflate data.
  std::optional<Error> feed(std::span<const uint8_t> compressed, const InflateSink& sink);
  // The message's last bytes were fed: appends 00 00 FF FF (RFC 7692 7.2.2), inflates the rest
  // and readies the next message (resetting the context under no_context_takeover). Data that
  // stops inside a deflate block is invalid (1007).
  std::optional<Error> finish(const InflateSink& sink);
  // Starts over as Inflater(direction) would: no context, no message under way, keeping the
  // memory it holds (its state, output chunk and history).
  void reset(DeflateDirection direction);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Inflates a whole message at once (tests, the tester): nullopt when it does not inflate or
// would exceed `limit` bytes.
std::optional<std::vector<uint8_t>> inflate_message(Inflater& inflater,
                                                    std::span<const uint8_t> compressed,
                                                    uint64_t limit = UINT64_MAX);

}  // namespace wsprobe::codec
