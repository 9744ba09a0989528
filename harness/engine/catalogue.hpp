#pragma once
// The case catalogue: cases are data (conformance/cases/*.json), each tied to an RFC 6455
// section with one sentence of expected behaviour. The binary embeds the files at build time;
// --catalogue DIR loads others, so users add cases without recompiling.

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/expectations.hpp"
#include "engine/payload.hpp"
#include "engine/result.hpp"
#include "wsprobe/deflate_params.hpp"
#include "wsprobe/frame_header.hpp"

namespace wsprobe::harness {

// What a case sends.
struct Step {
  enum class Kind : uint8_t { frame, raw, wait, batch };
  Kind kind = Kind::frame;
  codec::FrameHeader header;  // frame: payload_length is the payload's unless `declared`
  Payload payload;
  // frame: the payload length the header claims (RFC 6455 5.2), whatever `payload` holds: a
  // header claiming 2^63-1 bytes followed by the few (or many) bytes the case sends.
  std::optional<uint64_t> declared;
  codec::LengthForm length_form = codec::LengthForm::minimal;
  bool close = false;              // frame: our close frame (starts our closing handshake)
  size_t chop = 0;                 // write in pieces of this many bytes (0: one write)
  bool frame_wise = false;         // flush each frame on its own (Autobahn's sync)
  size_t fragment = 0;             // split the payload into frames of this size
  std::vector<size_t> parts;       // write the frame in these byte counts of payload, pausing
  double pause = 0;                // between parts, seconds
  std::vector<std::string> tags;   // timeout markers recorded after each pause
  std::vector<size_t> chop_cycle;  // write in pieces of these sizes in turn (chop: [1, 2, 3])
  bool with_handshake = false;     // in the same TCP write as the opening handshake
  // frame: compress the payload with the agreed permessage-deflate parameters (RFC 7692 7.2.1)
  // and set RSV1 on the first frame; `fragment` then splits the compressed bytes.
  bool compress = false;
  std::vector<uint8_t> raw;  // raw bytes
  double wait = 0;           // wait: seconds
  std::string tag;           // wait: marker recorded when the wait ends with the connection open
  std::vector<Step> batch;   // batch: frames written in one TCP write
  // After the step, read until this many more events have arrived before the next step (within
  // the case's timeout): Autobahn's 9.7/9.8 send each message after the echo of the last.
  size_t await = 0;
  // The tester does not read while it sends this step (RFC 6455 10.4, robustness: a peer that
  // does not read must not make the server hold its output without bound). A write the peer
  // takes nothing of for this many seconds (scaled) means it stopped reading from us, as a server
  // bounding its unread output does: the tester then reads again, while it writes the rest.
  // 0: off (the tester reads between frames as usual).
  double unread = 0;
  // frame with `fragment`: the fragments are encoded straight into writes of about this many
  // bytes, many frames a write, so 16 million 1-byte fragments are never planned or held whole.
  size_t gather = 0;
  // Write the step in pieces (its chop, else 16 KiB) while reading, and stop as soon as the
  // peer's close frame arrives, TCP closes, or a piece is not taken for this many seconds
  // (scaled): how much a peer takes after a header it had to reject (RFC 6455 10.4). 0: off.
  double until_close = 0;
  // A repeated step stands for `copies` steps, held once; when its payload takes successive
  // windows (PayloadWindows), copy k sends window k (its `payload` is window 0).
  size_t copies = 1;
  std::shared_ptr<const PayloadWindows> windows;
  // This copy of the step: itself, or with window k as its payload.
  [[nodiscard]] Step copy(size_t k) const;
};

struct CloseExpectation {
  bool closed_by_me = true;           // we start the closing handshake (Autobahn's closedByMe)
  std::vector<uint16_t> codes{1000};  // acceptable close codes from the peer
  bool require_clean = true;
  bool wrong_endpoint_fatal = false;  // the peer must be the one that fails (Autobahn's 1007 cases)
  bool wrong_code_fails = false;      // a close code not in `codes` fails the case (Autobahn's 7.x)
  bool fc1000 = false;                // we close with 1000 once the expected events arrived
  // As the server, wait this long after the closing handshake before closing TCP: a client that
  // closes it first meanwhile is NON-STRICT (RFC 6455 7.1.1: the server closes first).
  double linger = 0;
  // Client cases, with fc1000: once the expected events arrived, the tester (the server) closes
  // TCP without a close frame, still reading; the client must close its side, not hang (RFC 6455
  // 7.1.1: the WebSocket connection is then closed; 7.1.5: its close code is 1006).
  bool drop = false;
  // Bytes from the peer after its close frame fail the case (RFC 6455 5.5.1: no data frame may
  // follow a close; 20.3.4 sends data behind its close, which a server must not answer).
  bool after_close_fails = false;
  // With an until_close step: the peer closed (its close frame or TCP) or stopped taking bytes
  // before the tester wrote more than this many bytes after the step's frame header; more is
  // NON-STRICT (it read, or buffered, a payload it had to reject at the header, RFC 6455 10.4).
  std::optional<uint64_t> within_bytes;
};

struct HandshakeSpec {
  std::string method = "GET";
  std::string version = "HTTP/1.1";
  std::vector<std::string> remove;
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<std::pair<std::string, std::string>> add;
  std::vector<int> expect_status{101};
  std::vector<std::pair<std::string, std::string>> expect_header;
  // Handshake stress (robustness 20.7): the request-target padded to this many bytes (0: as the
  // URL has it), and `fill_lines` more header lines of `fill_line_size` bytes each, CRLF
  // included, made as they are written so that a 64 MiB head is never held.
  size_t target_size = 0;
  size_t fill_lines = 0;
  size_t fill_line_size = 0;
  // How a server that closes the connection without answering the request is graded (RFC 9110
  // 5.4 asks for a 4xx; dropping the connection refuses the request all the same).
  Behavior dropped = Behavior::failed;
};

// What the tester, as the server, answers to a client's opening handshake (RFC 6455 4.2.2),
// changed from the codec's 101: the status line, headers to remove, to set (the field renamed as
// given, so a case can change a name's letter case) and to add. "{accept}" in a value is the
// correct Sec-WebSocket-Accept for the client's key. Client cases only.
struct HandshakeResponseSpec {
  int status = 101;
  std::string reason;  // "": the usual phrase for the status
  std::string version = "HTTP/1.1";
  std::vector<std::string> remove;
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<std::pair<std::string, std::string>> add;
  size_t chop = 0;      // write the head in pieces of this many bytes (0: one write)
  double pause = 0;     // seconds between the pieces
  bool refuse = false;  // the client must refuse it (RFC 6455 4.1): see judge_refusal_by_client
};

// How the tester, as the server, answers a client's permessage-deflate offers (client cases):
// the codec's server choice (codec::accept_deflate_offer) with `config`, among the client's
// offers that carry the parameters `require_offered` names (Autobahn fuzzingserver's accept
// functions for 13.x ask for client_no_context_takeover or client_max_window_bits only of a
// client that offered them) and none of those `require_not_offered` names. `add_parameters` are
// appended to the element the codec answers, allowed or not (a response the client must refuse,
// RFC 7692 7, with handshake_response.refuse); the agreement stays the codec's.
struct DeflateAcceptSpec {
  codec::DeflateServerConfig config;
  bool require_client_no_context_takeover = false;  // RFC 7692 7.1.1.2
  bool require_client_max_window_bits = false;      // RFC 7692 7.1.2.2
  bool without_client_no_context_takeover = false;  // only offers that do not carry it
  bool without_client_max_window_bits = false;      // likewise (RFC 7692 7.1.2.2)
  std::vector<std::pair<std::string, std::string>> add_parameters;  // value "": none
};

// A case's permessage-deflate negotiation (RFC 7692 5, 7.1). Server cases: the Sec-WebSocket-
// Extensions elements the tester offers, in order, and what the agreement must hold when the
// server accepts; a server that declines makes the case UNIMPLEMENTED (Autobahn's 12.x/13.x
// grading) unless the case says declining is right; one whose response the offers do not allow
// fails it. Client cases: `accept`, tried in order; when none accepts an offer of the client's,
// the case is UNIMPLEMENTED (Autobahn's fuzzingserver grading).
struct DeflateSpec {
  std::vector<std::string> offers;  // "permessage-deflate; client_max_window_bits", ...
  // The tester's answers as the server; unless the case says otherwise, one that accepts the
  // first valid offer with nothing asked of its own (Autobahn's 12.x).
  std::vector<DeflateAcceptSpec> accept{DeflateAcceptSpec{}};
  // The offers (numbered from 1) the server may accept: its response must be one such an offer
  // allows (RFC 7692 7: an invalid offer MUST be declined; 5: the first offer it supports is
  // preferred). Empty: every offer must be declined. Unset: any offer may be accepted.
  std::optional<std::vector<size_t>> accept_only;
  // Declining every offer is the right answer (the offers are invalid): the steps then run
  // without the extension and are judged as usual, instead of the case being UNIMPLEMENTED.
  bool decline_ok = false;
  // The agreement must say this (RFC 7692 7.1.1: what a server accepting an offer must answer).
  std::optional<bool> server_no_context_takeover;
  std::optional<bool> client_no_context_takeover;
  // The agreed window must be at most this many bits (RFC 7692 7.1.2).
  std::optional<uint8_t> server_max_window_bits;
  std::optional<uint8_t> client_max_window_bits;
};

// Connections a case holds open beside its own while it runs (harness/engine/held_connections.hpp):
// `connections` more TCP connections, opened first, that send nothing or dribble an opening
// handshake one byte every `dribble` seconds (slowloris); closed when the case ends.
struct HoldSpec {
  size_t connections = 0;
  double dribble = 0;  // seconds between bytes; 0: they send nothing
};

// RFC 2119 keyword of the sentence a case tests; informational cases are graded INFORMATIONAL.
enum class Requirement : uint8_t { must, should, may, informational };
std::string_view to_string(Requirement r);  // "MUST", "SHOULD", "MAY", "informational"

struct Case {
  std::string id;
  std::string area;
  std::string file;  // the case file it came from, for error messages
  std::string rfc;
  std::string rfc_text;  // the RFC sentence the case tests, quoted
  std::string description;
  std::string expectation;
  double timeout = 1.0;  // the kill timer, seconds, before scaling
  Requirement requirement = Requirement::must;
  bool informational = false;  // requirement == informational, kept for the verdict
  bool for_server = true;      // test-server runs it (roles contains "server")
  bool for_client = true;      // test-client runs it (roles contains "client")
  bool slow = false;           // takes seconds: drivers may leave it out of quick runs
  std::vector<Step> steps;
  Expectations ok;
  std::optional<Expectations> non_strict;
  CloseExpectation close;
  std::optional<HandshakeSpec> handshake;
  std::optional<HandshakeResponseSpec> handshake_response;
  std::optional<DeflateSpec> deflate;
  std::optional<HoldSpec> hold;
};

// The case's section with its RFC: "RFC 6455 5.2", or the case's own "RFC 7692 7.2.1".
std::string rfc_reference(const Case& c);

struct CatalogueOptions {
  uint64_t limit = uint64_t{16} << 20;  // the server's message limit, for "limit" counts
  std::vector<std::string> dirs;        // more case files, added to the built-in ones
  bool builtin = true;                  // false: only the cases in `dirs`
};

struct Catalogue {
  std::vector<Case> cases;                         // sorted by id, numerically
  std::map<std::string, std::string> area_titles;  // area -> title
};

// Loads the embedded catalogue (unless options.builtin is false) and every *.json in each of
// options.dirs. Errors name the file and the case; a duplicate id names both files.
std::optional<Catalogue> load_catalogue(const CatalogueOptions& options, std::string& error);

// Loads case files given as (file name, JSON text), as load_catalogue does with files on disk.
std::optional<Catalogue> load_catalogue_texts(
    const std::vector<std::pair<std::string, std::string>>& files, const CatalogueOptions& options,
    std::string& error);

// Every case canonically, after generators ran: id, area, fields, steps (payloads as hex, or size
// and SHA-256 above 1 KiB), expectations, close and handshake. `wsprobe cases --json` prints it;
// the pytest driver and the catalogue snapshot test read it.
nlohmann::json dump_cases(const Catalogue& catalogue);

// Which kind of peer is under test: test-server tests servers, test-client clients.
enum class PeerRole : uint8_t { server, client };

// Autobahn's selection rules: a pattern with '*' matches ids by prefix-anchored glob, one without
// is an exact id. An empty include list selects everything. Only cases whose roles include
// `peer` are selected.
std::vector<const Case*> select_cases(const Catalogue& catalogue,
                                      const std::vector<std::string>& include,
                                      const std::vector<std::string>& exclude,
                                      PeerRole peer = PeerRole::server);

// Orders case ids numerically ("2.10" after "2.9").
bool id_less(const std::string& a, const std::string& b);

}  // namespace wsprobe::harness
