#pragma once
// The case catalogue: cases are data (conformance/cases/*.json), each tied to an RFC 6455
// section with one sentence of expected behaviour. The binary embeds the files at build time;
// --catalogue DIR loads others, so users add cases without recompiling.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "wsprobe/frame_header.hpp"

namespace wsprobe::harness {

// What a case sends.
struct Step {
  enum class Kind : uint8_t { frame, raw, wait, batch };
  Kind kind = Kind::frame;
  codec::FrameHeader header;  // frame: payload_length is the payload's unless `declared`
  std::vector<uint8_t> payload;
  codec::LengthForm length_form = codec::LengthForm::minimal;
  bool close = false;             // frame: our close frame (starts our closing handshake)
  size_t chop = 0;                // write in pieces of this many bytes (0: one write)
  bool frame_wise = false;        // flush each frame on its own (Autobahn's sync)
  size_t fragment = 0;            // split the payload into frames of this size
  std::vector<size_t> parts;      // write the frame in these byte counts of payload, pausing
  double pause = 0;               // between parts, seconds
  std::vector<std::string> tags;  // timeout markers recorded after each pause
  bool with_handshake = false;    // in the same TCP write as the opening handshake
  std::vector<uint8_t> raw;       // raw bytes
  double wait = 0;                // wait: seconds
  std::string tag;          // wait: marker recorded when the wait ends with the connection open
  std::vector<Step> batch;  // batch: frames written in one TCP write
};

// What a case expects to receive, in order.
struct Expected {
  enum class Kind : uint8_t { text, binary, ping, pong, timeout };
  Kind kind;
  std::vector<uint8_t> payload;
  std::string tag;
  friend bool operator==(const Expected&, const Expected&) = default;
};

struct CloseExpectation {
  bool closed_by_me = true;           // we start the closing handshake (Autobahn's closedByMe)
  std::vector<uint16_t> codes{1000};  // acceptable close codes from the peer
  bool require_clean = true;
  bool wrong_endpoint_fatal = false;  // the peer must be the one that fails (1007 cases)
  bool fc1000 = false;                // we close with 1000 once the expected events arrived
};

struct HandshakeSpec {
  std::string method = "GET";
  std::string version = "HTTP/1.1";
  std::vector<std::string> remove;
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<std::pair<std::string, std::string>> add;
  std::vector<int> expect_status{101};
  std::vector<std::pair<std::string, std::string>> expect_header;
};

struct Case {
  std::string id;
  std::string area;
  std::string rfc;
  std::string description;
  std::string expectation;
  double timeout = 1.0;  // the kill timer, seconds, before scaling
  bool informational = false;
  std::vector<Step> steps;
  std::vector<Expected> ok;
  std::optional<std::vector<Expected>> non_strict;
  CloseExpectation close;
  std::optional<HandshakeSpec> handshake;
};

struct CatalogueOptions {
  uint64_t limit = uint64_t{16} << 20;  // the server's message limit, for "limit" counts
};

struct Catalogue {
  std::vector<Case> cases;                         // sorted by id, numerically
  std::map<std::string, std::string> area_titles;  // area -> title
};

// Loads the embedded catalogue, or every *.json in `dir`. Errors name the file and the case.
std::optional<Catalogue> load_catalogue(const std::string& dir, const CatalogueOptions& options,
                                        std::string& error);

// Autobahn's selection rules: a pattern with '*' matches ids by prefix-anchored glob, one without
// is an exact id. An empty include list selects everything.
std::vector<const Case*> select_cases(const Catalogue& catalogue,
                                      const std::vector<std::string>& include,
                                      const std::vector<std::string>& exclude);

// Orders case ids numerically ("2.10" after "2.9").
bool id_less(const std::string& a, const std::string& b);

}  // namespace wsprobe::harness
