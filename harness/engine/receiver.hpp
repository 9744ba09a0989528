#pragma once
// The tester's receive side: the codec's Reader (the one receive path, shared with Connection)
// plus what makes it a tester: every event recorded as evidence and as the sequence the case is
// judged on, bounded whatever the peer sends. Replies are decided here (a pong for the latest
// ping, the echo of a close, the close that fails the connection) but written by the
// conversation, at a frame boundary.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/catalogue.hpp"
#include "engine/wire.hpp"
#include "wsprobe/reader.hpp"

namespace wsprobe::harness {

class Receiver {
 public:
  // `max_message`: the largest message this case can get back (larger ones fail the connection
  // with 1009); `max_kept`: how much of a message is kept (a longer one matches no expected
  // event, so only its length and first bytes are evidence); `max_events`: how many events are
  // kept for judging (more means the peer sent more than expected anyway).
  Receiver(codec::Role role, uint64_t max_message, size_t max_events, Wire& wire, std::string peer,
           uint64_t max_kept = UINT64_MAX);

  // permessage-deflate was agreed (RFC 7692), before any frame was fed: RSV1 is then allowed on
  // the first frame of a data message, and such messages are inflated with the peer's direction of
  // the agreement (its window, its context takeover) and judged inflated. Without it RSV1 stays a
  // violation (RFC 6455 5.2).
  void set_deflate(const codec::DeflateAgreement& agreement);
  // The events the case expects: an arriving event equal to the expected one at its place is kept
  // as that one (its bytes shared), so 1000 echoes of 128 KiB cost nothing to keep.
  void share_expected(const Expectations& expected) { expected_ = &expected; }

  void feed(std::span<uint8_t> bytes);
  // A pause marker (Autobahn's continueLater), in the judged sequence.
  void mark(const std::string& tag);

  [[nodiscard]] const std::vector<Expected>& events() const { return events_; }
  // Every shared expected event has arrived, in order, each equal to its expectation (more may
  // have followed). Kept as events are recorded: no rescan of the events per check.
  [[nodiscard]] bool expected_arrived() const {
    return expected_ != nullptr && matched_ >= expected_->size();
  }
  // How many leading events were equal to their expectation.
  [[nodiscard]] size_t matched() const { return matched_; }
  [[nodiscard]] bool truncated() const { return dropped_ != 0; }
  // Reads that brought bytes after the peer's close frame (RFC 6455 5.5.1: none may follow it).
  [[nodiscard]] uint64_t after_close() const { return after_close_noted_; }
  [[nodiscard]] bool violation() const { return violation_.has_value(); }
  [[nodiscard]] const std::optional<codec::Error>& failure() const { return violation_; }
  [[nodiscard]] bool close_received() const { return close_received_; }
  [[nodiscard]] const std::optional<uint16_t>& close_code() const { return close_code_; }
  [[nodiscard]] const std::string& close_reason() const { return close_reason_; }
  [[nodiscard]] const std::string& peer() const { return peer_; }
  // Frame headers read (a close frame's included), and the masking keys of the masked ones in
  // order (the first max_keys): a client's keys are judged (RFC 6455 5.3, engine/masking.hpp).
  [[nodiscard]] uint64_t frames() const { return frames_; }
  [[nodiscard]] const std::vector<codec::MaskKey>& mask_keys() const { return keys_; }
  // The first bytes the peer sent, whatever they are (a refusing client may send HTTP).
  [[nodiscard]] const std::string& head() const { return head_; }
  static constexpr size_t max_keys = size_t{1} << 16;

  // The payload of the latest ping not yet answered (RFC 6455 5.5.3: answering only the most
  // recent one is enough), taken once.
  std::optional<Payload> take_pong();

 private:
  void record(Expected event);
  void on_event(codec::ReaderEvent&& event);

  codec::Reader reader_;
  const Expectations* expected_ = nullptr;
  Wire& wire_;
  std::string peer_;
  uint64_t max_message_;
  size_t max_events_;
  std::vector<Expected> events_;
  size_t dropped_ = 0;
  size_t matched_ = 0;            // leading events equal to their expectation
  uint64_t unmatched_bytes_ = 0;  // payload bytes of recorded events that matched no expectation
  bool cut_noted_ = false;
  static constexpr uint64_t max_unmatched_bytes = uint64_t{4} << 20;
  static constexpr size_t cut_size = 64;
  std::optional<codec::Error> violation_;
  bool close_received_ = false;
  std::optional<uint16_t> close_code_;
  std::string close_reason_;
  std::optional<Payload> pong_;
  uint64_t after_close_noted_ = 0;
  uint64_t frames_ = 0;
  std::vector<codec::MaskKey> keys_;
  std::string head_;
};

}  // namespace wsprobe::harness
