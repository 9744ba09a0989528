#pragma once
// What the tester writes, decided before any I/O: a case step becomes frames, each with the
// exact bytes and how they go out (in one write, in chops, in parts with pauses). The engine
// sends bytes no compliant library would (bad masks, lengths, opcodes), so frames are built with
// the codec's encoder from the step's header as given; only the masking direction follows the
// tester's role. Masking keys come from the case's seeded source (--seed replays a run).

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/catalogue.hpp"
#include "wsprobe/deflate.hpp"
#include "wsprobe/frame_parser.hpp"
#include "wsprobe/random.hpp"

namespace wsprobe::harness {

// A frame ready for the wire.
struct Outgoing {
  // The whole frame; for a large payload only its header, the payload then being `payload`,
  // generated or copied and masked piece by piece as it is written: a 16 MiB case never makes a
  // 16 MiB copy.
  std::vector<uint8_t> bytes;
  Payload payload;  // empty unless streamed
  std::optional<codec::MaskKey> mask;
  [[nodiscard]] size_t size() const { return bytes.size() + payload.size(); }
  std::string description;  // for the evidence log
  // Where the writes end, ascending, the last one size(); with a pause after each but the
  // last (0: none, only a read in between).
  std::vector<size_t> cuts;
  double pause = 0;
  std::vector<std::string> tags;       // a marker recorded after each pause, if still open
  bool close = false;                  // our close frame: starts (or answers) the closing handshake
  std::optional<uint16_t> close_code;  // the code it carries, if any
  bool poll_after = false;             // read what arrived once written (Autobahn's sync)
  // Step::until_close: read between the pieces and stop at the peer's close, its TCP close, or a
  // piece not taken for this many seconds; the frame's header is `bytes` (its payload streamed).
  double until_close = 0;
  // Between pieces the tester reads what came back once this many bytes went out since it last
  // did (0: after every piece): a frame dribbled in 1-3 byte writes is not a read per write.
  size_t poll_every = 0;
};

// Builds frames as the tester in `role`: a client's frames are masked, a server's are not; a step
// that sends the wrong masking for a client sends a masked frame as a server (RFC 6455 5.1).
class Sender {
 public:
  Sender(codec::Role role, codec::RandomSource random)
      : server_(role == codec::Role::server), random_(std::move(random)) {}
  [[nodiscard]] bool server() const { return server_; }

  // A frame, batch or raw step as the frames it writes, in order (a `fragment` step gives many),
  // handed to `each` one at a time, so a message in 131,073 one-byte fragments is never planned
  // whole; `each` returns false to stop (the peer closed).
  void for_each_frame(const Step& step, const std::function<bool(const Outgoing&)>& each) const;
  // The same, collected.
  [[nodiscard]] std::vector<Outgoing> plan(const Step& step) const;
  // The frame's bytes alone, masked as the role requires.
  [[nodiscard]] std::vector<uint8_t> frame_bytes(const Step& step) const;
  // A control frame the tester decides on by itself (a pong, a close reply, a failure).
  [[nodiscard]] Outgoing control(uint8_t opcode, Payload payload) const;
  // The case's random source (handshake nonces come from it too).
  [[nodiscard]] const codec::RandomSource& random() const { return random_; }

  // permessage-deflate was agreed (RFC 7692): `compress` steps are compressed with this role's
  // direction of the agreement (its window, its context takeover) from now on.
  void set_deflate(const codec::DeflateAgreement& agreement);

 private:
  [[nodiscard]] Outgoing frame(const Step& step) const;
  // A `gather` step: its fragments encoded into writes of about step.gather bytes; frames after
  // the first carry `continuation_rsv` (a compressed message's RSV1 is on its first frame only),
  // the first write's description `note`.
  void gathered(const Step& step, uint8_t continuation_rsv, const std::string& note,
                const std::function<bool(const Outgoing&)>& each) const;
  // The step with its payload compressed as the next message (RFC 7692 7.2.1) and RSV1 set.
  [[nodiscard]] Step compressed(const Step& step) const;

  bool server_;
  codec::RandomSource random_;
  // The compression context of the connection: planning a compressed frame advances it, as
  // sending it does (with context takeover each message is compressed against the ones before).
  mutable std::optional<codec::Deflater> deflater_;
};

// A deterministic source for one case: the run's seed and the case id pick the stream, so a case
// gets the same keys whatever ran before it or beside it.
codec::RandomSource seeded_random(uint64_t seed, const std::string& case_id);
// A seed for a run that was given none, from OpenSSL's CSPRNG; reports record it.
uint64_t draw_seed();

}  // namespace wsprobe::harness
