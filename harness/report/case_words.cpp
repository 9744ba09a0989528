#include "report/case_words.hpp"

#include <algorithm>
#include <cstdio>

#include "engine/describe.hpp"

namespace wsprobe::harness {
namespace {

std::string seconds(double s) {
  char buf[32];
  (void)std::snprintf(buf, sizeof(buf), "%g s", s);
  return buf;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string s;
  for (const auto& i : items)
    s += (s.empty() ? "" : std::string(sep)) + i;
  return s;
}

std::string codes(const std::vector<uint16_t>& list) {
  std::string s;
  for (size_t i = 0; i < list.size(); ++i)
    s += (i == 0 ? "" : (i + 1 == list.size() ? " or " : ", ")) + std::to_string(list[i]);
  return s;
}

std::string capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

// One answer of the tester's to a client's permessage-deflate offers (DeflateAcceptSpec).
std::string describe_answer(const DeflateAcceptSpec& a) {
  std::vector<std::string> asks;
  const auto& c = a.config;
  if (c.server_no_context_takeover) asks.emplace_back("server_no_context_takeover");
  if (c.server_max_window_bits < codec::max_window_bits)
    asks.push_back("server_max_window_bits=" + std::to_string(c.server_max_window_bits));
  if (c.client_no_context_takeover) asks.emplace_back("client_no_context_takeover");
  if (c.client_max_window_bits < codec::max_window_bits || c.answer_client_max_window_bits)
    asks.push_back("client_max_window_bits=" + std::to_string(c.client_max_window_bits));
  std::vector<std::string> needs;
  if (a.require_client_no_context_takeover) needs.emplace_back("client_no_context_takeover");
  if (a.require_client_max_window_bits) needs.emplace_back("client_max_window_bits");
  std::vector<std::string> excluded;
  if (a.without_client_no_context_takeover) excluded.emplace_back("client_no_context_takeover");
  if (a.without_client_max_window_bits) excluded.emplace_back("client_max_window_bits");
  std::string d = "the first valid offer" +
                  std::string(needs.empty() ? "" : " carrying " + join(needs, " and ")) +
                  std::string(excluded.empty() ? "" : " without " + join(excluded, " or "));
  d += asks.empty() ? ", asking nothing" : ", asking " + join(asks, ", ");
  std::vector<std::string> added;
  for (const auto& [name, value] : a.add_parameters)
    added.push_back(value.empty() ? name : name + "=" + value);
  if (!added.empty()) d += ", adding " + join(added, "; ") + " to its answer";
  return d;
}

// The case's permessage-deflate negotiation in each role it runs in (RFC 7692 5, 7.1).
std::string describe_deflate(const Case& c) {
  std::string s;
  if (c.for_server) {
    std::vector<std::string> offers;
    for (const auto& o : c.deflate->offers)
      offers.push_back("`" + o + "`");
    s += "  permessage-deflate, against a server: the tester offers " + join(offers, ", then ") +
         "; a server that declines makes the case UNIMPLEMENTED.\n";
  }
  if (c.for_client) {
    std::vector<std::string> answers;
    for (const auto& a : c.deflate->accept)
      answers.push_back(describe_answer(a));
    s += "  permessage-deflate, against a client: the tester accepts " + join(answers, "; else ") +
         "; a client none of whose offers it can accept makes the case UNIMPLEMENTED.\n";
  }
  return s;
}

std::string describe_step(const Step& s) {
  std::string d;
  switch (s.kind) {
    case Step::Kind::frame:
      d = (s.close ? "our close frame: " : "frame: ") + describe_frame(s.header, s.payload);
      if (s.length_form == codec::LengthForm::extended16) d += ", length in a 16-bit field";
      if (s.length_form == codec::LengthForm::extended64) d += ", length in a 64-bit field";
      if (s.fragment != 0) d += ", split into frames of " + std::to_string(s.fragment) + " bytes";
      if (s.frame_wise) d += ", each frame flushed on its own";
      if (s.chop != 0) {
        d += ", written " + std::to_string(s.chop) + (s.chop == 1 ? " byte" : " bytes") +
             " at a time";
      }
      if (!s.parts.empty()) {
        std::vector<std::string> parts;
        for (size_t p : s.parts)
          parts.push_back(std::to_string(p));
        d += ", written in parts of " + join(parts, ", ") + " payload bytes, pausing " +
             seconds(s.pause) + " between them";
      }
      if (s.with_handshake) d += ", in the same TCP write as the opening handshake";
      if (s.await != 0) {
        d += ", then wait for " + std::to_string(s.await) + (s.await == 1 ? " event" : " events") +
             " back";
      }
      return d;
    case Step::Kind::raw:
      return "raw bytes " + describe_bytes(s.raw) +
             (s.with_handshake ? ", in the same TCP write as the opening handshake" : "");
    case Step::Kind::wait:
      return "wait " + seconds(s.wait) + (s.tag.empty() ? "" : " (pause " + s.tag + ")");
    case Step::Kind::batch: {
      std::vector<std::string> frames;
      for (const auto& f : s.batch)
        frames.push_back(describe_step(f));
      return "in one TCP write: " + join(frames, "; then ");
    }
  }
  return "?";
}

std::string describe_handshake(const HandshakeSpec& h) {
  std::string d = "an opening handshake: " + h.method + " ... " + h.version;
  for (const auto& r : h.remove)
    d += ", without " + r;
  for (const auto& [name, value] : h.set)
    d += ", with " + name + ": " + value;
  for (const auto& [name, value] : h.add)
    d += ", plus another " + name + ": " + value;
  return d;
}

}  // namespace

std::vector<std::string> describe_steps(const Case& c) {
  std::vector<std::string> lines;
  if (c.handshake) lines.push_back(describe_handshake(*c.handshake));
  for (const auto& s : c.steps)
    lines.push_back(describe_copies(describe_step(s), s.copies, s.windows.get()));
  return lines;
}

std::vector<std::string> describe_expected(const Expectations& events) {
  std::vector<std::string> lines = describe_runs(events);
  for (size_t r = 0; r < lines.size(); ++r) {
    // "still open after pause A" is the engine's short form; a reader needs the rule.
    const Expected& e = events.runs()[r].event;
    if (e.kind == Expected::Kind::timeout) {
      lines[r] =
          "nothing during pause " + e.tag + ": the connection is still open when the pause ends";
    }
  }
  if (lines.empty()) lines.emplace_back("no message, ping or pong");
  for (const auto kind : {Expected::Kind::ping, Expected::Kind::pong}) {
    if (events.ignores(kind)) {
      lines.emplace_back(std::string("any number of ") +
                         (kind == Expected::Kind::ping ? "pings" : "pongs") +
                         ", anywhere: not judged here");
    }
  }
  return lines;
}

std::string describe_close(const Case& c, std::string_view peer_view) {
  const std::string peer(peer_view);
  const auto& x = c.close;
  std::string d;
  if (c.handshake) {
    std::vector<std::string> statuses;
    for (int s : c.handshake->expect_status)
      statuses.push_back(std::to_string(s));
    d = peer + " answers the handshake with HTTP " + join(statuses, " or ");
    for (const auto& [name, value] : c.handshake->expect_header)
      d += " and " + name + ": " + value;
    d += ".";
    // A refused handshake ends there: no WebSocket connection to close.
    if (std::find(c.handshake->expect_status.begin(), c.handshake->expect_status.end(), 101) ==
        c.handshake->expect_status.end())
      return capitalized(d);
    d += " ";
  }
  if (x.fc1000) {
    d += "Once the expected events arrived, the tester closes with 1000; " + peer +
         " answers with a close frame (" + codes(x.codes) + ") and closes TCP.";
  } else if (x.closed_by_me) {
    d += "The tester starts the closing handshake; " + peer + " answers with close code " +
         codes(x.codes) + (x.require_clean ? " and the close completes cleanly." : ".");
  } else {
    d += peer + " fails the connection itself: a close frame with code " + codes(x.codes) +
         " (dropping TCP without one is NON-STRICT, RFC 6455 7.1.7)";
    d += x.require_clean ? ", and the close completes cleanly." : ".";
  }
  if (x.wrong_code_fails) d += " Another close code fails the case.";
  return capitalized(d);
}

std::string explain_case(const Catalogue& catalogue, const Case& c) {
  const auto title =
      catalogue.area_titles.count(c.area) != 0 ? catalogue.area_titles.at(c.area) : c.area;
  std::string roles = c.for_server ? "servers" : "";
  if (c.for_client) roles += roles.empty() ? "clients" : " and clients";
  std::string s = "Case " + c.id + " (" + title + ", area " + c.area + "), run against " + roles +
                  "\n\n" + rfc_reference(c) + ", " + std::string(to_string(c.requirement)) + "\n";
  if (!c.rfc_text.empty()) s += "  \"" + c.rfc_text + "\"\n";
  s += "\nWhat it does: " + c.description + "\n";
  if (c.deflate) s += describe_deflate(c);
  const auto steps = describe_steps(c);
  for (size_t i = 0; i < steps.size(); ++i)
    s += "  " + std::to_string(i + 1) + ". " + steps[i] + "\n";
  s += "\nWhat it expects: " + c.expectation + "\n  Events back, in order (OK):\n";
  for (const auto& e : describe_expected(c.ok))
    s += "    - " + e + "\n";
  if (c.non_strict) {
    s += "  Also accepted, as NON-STRICT:\n";
    for (const auto& e : describe_expected(*c.non_strict))
      s += "    - " + e + "\n";
  }
  s += "  The end: " + describe_close(c, c.for_server ? "the server" : "the client") + "\n";
  if (c.informational) s += "  Informational: the RFC leaves this open, so no verdict fails.\n";
  s += "\nTimeout: " + seconds(c.timeout) + (c.slow ? " (a slow case)" : "") + "\n";
  if (c.for_server) s += "Run it: wsprobe test-server ws://HOST:PORT/ --cases " + c.id + "\n";
  if (c.for_client) {
    s += std::string(c.for_server ? "Against a client: " : "Run it: ") +
         "wsprobe test-client --cases " + c.id + ", then the client's Autobahn test script\n";
  }
  return s;
}

}  // namespace wsprobe::harness
