#pragma once
// What one case run produced: Autobahn's two verdicts as enums (converted to Autobahn's strings
// only by the reports), the evidence, and how the run got there (seed, chunks written, timers
// that fired, confirmation). Every list here is capped: a hostile peer cannot grow it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wsprobe::harness {

// Autobahn's `behavior` (autobahn-cases.md 2.2).
enum class Behavior : uint8_t { ok, non_strict, informational, unimplemented, failed };
// Autobahn's `behaviorClose` (autobahn-cases.md 2.3).
enum class CloseBehavior : uint8_t {
  ok,
  failed,
  wrong_code,
  unclean,
  failed_by_client,
  informational
};

std::string_view to_string(Behavior b);       // "OK", "NON-STRICT", ...
std::string_view to_string(CloseBehavior b);  // "OK", "WRONG CODE", "FAILED BY CLIENT", ...

// The timers a case may fire (Autobahn's, autobahn-cases.md 2.6), as bits: a non-OK verdict
// reached when one fired may come from load alone, so it is confirmed before it is reported.
enum TimerBit : uint8_t {
  timer_open = 1,   // no opening-handshake answer in time
  timer_kill = 2,   // the expected events (or the peer's failure) did not come in time
  timer_close = 4,  // no close frame answering ours in time
  timer_drop = 8,   // the server did not close TCP in time after the closing handshake
};

// A flood repeats one line thousands of times: the same line in a row is kept once, with a
// count, so the record shows the flood without holding it (a case's cap is otherwise all copies).
struct Evidence {
  double t_ms;  // since the case started (the first of a repeated line)
  char dir;     // '>' sent, '<' received, '*' a note
  std::string text;
  uint32_t repeat = 1;  // how many times in a row

  // The text as reports show it: with its count when it came more than once in a row.
  [[nodiscard]] std::string shown() const {
    return repeat == 1 ? text : text + " (" + std::to_string(repeat) + " in a row)";
  }
};

// One write to the socket: when, how many bytes, and the first bytes (for replay and reading).
struct Chunk {
  double t_ms;
  size_t size;
  std::string head_hex;  // the first 7 bytes at most: fits the string itself, no allocation
};

// Caps on what a case records; past them a visible marker says what was left out. Every case's
// record is kept until the reports are written: 280 cases x the caps stay within tens of MiB.
inline constexpr size_t max_evidence = 300;
inline constexpr size_t max_chunks = 500;

// The server's memory during one case, from a server watch (engine/server_watch.hpp).
struct ServerMemory {
  uint64_t rss_before = 0;   // bytes, when the case started
  uint64_t rss_peak = 0;     // bytes, the highest seen during the case
  uint64_t growth = 0;       // rss_peak - rss_before
  uint64_t bytes_sent = 0;   // what the case wrote
  double amplification = 0;  // growth / bytes_sent
};

struct CaseResult {
  std::string id;
  Behavior behavior = Behavior::failed;
  CloseBehavior behavior_close = CloseBehavior::failed;
  std::string reason;  // one line: why
  int64_t duration_ms = 0;
  std::optional<uint16_t> remote_close_code;
  std::string remote_close_reason;
  std::optional<uint16_t> local_close_code;
  bool connected = false;
  bool closed_by_me = false;
  bool was_clean = false;
  bool dropped_by_me = false;
  std::string http_request;
  std::string http_response;
  std::vector<std::string> expected;  // the OK events, described
  std::vector<std::string> received;  // what arrived, described (capped)
  std::vector<Evidence> log;          // capped at max_evidence, then one "truncated" note
  std::vector<Chunk> chunks;          // capped at max_chunks
  size_t chunks_dropped = 0;          // writes not recorded past the cap
  bool evidence_truncated = false;
  uint64_t seed = 0;   // the run's --seed; this case's keys derive from it and the id
  uint8_t timers = 0;  // TimerBit: the timers that fired
  // A non-OK verdict that longer timers could change (set by judge): it is re-run before it is
  // reported. `timer_server_wide`: only the closing timers decided it (whether the server answers
  // a close, closes TCP), which says something about the server whatever the case.
  bool timer_decided = false;
  bool timer_server_wide = false;
  double timeout_scale = 1;  // the scale this result was obtained with
  // "" when no confirmation was needed; otherwise how the verdict was confirmed.
  std::string confirmation;
  uint64_t bytes_sent = 0;      // frame bytes written to the peer
  uint64_t bytes_received = 0;  // bytes read from the peer after the opening handshake
  // What was seen of the server after the case (engine/health.hpp): the health check's outcome
  // ("" not checked, "ok", "unresponsive", "not listening"), its memory, and how it ended if it
  // died during the case ("killed by signal 11 (SIGSEGV)").
  std::string health;
  std::optional<ServerMemory> server_memory;
  std::string server_exit;
  // The tester as the server: the client's masking keys in order (capped), for the judgement over
  // the whole run (RFC 6455 5.3, engine/masking.hpp). Not reported per case.
  std::vector<uint32_t> mask_keys;
  // The tester as the server, lingering after the closing handshake: the client closed TCP first.
  bool peer_closed_tcp_first = false;

  // The case counts as failed: a MUST broken (Autobahn's FAILED, WRONG CODE or UNCLEAN).
  [[nodiscard]] bool failed() const;
  // Neither verdict is OK (nor INFORMATIONAL): the report needs a reason.
  [[nodiscard]] bool non_ok() const;
};

// A note in the case's evidence after the case ended (a health check, the server's memory): kept
// even past max_evidence, as only a few are ever added.
void add_note(CaseResult& r, std::string text);

// The one-word verdict of a case for progress lines: FAILED if failed(), else the behavior.
std::string_view headline(const CaseResult& r);

}  // namespace wsprobe::harness
