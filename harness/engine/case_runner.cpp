#include "engine/case_runner.hpp"

#include <algorithm>
#include <numeric>

#include "engine/closing.hpp"
#include "engine/conversation.hpp"
#include "engine/describe.hpp"
#include "engine/handshake_response.hpp"
#include "engine/held_connections.hpp"
#include "engine/masking.hpp"
#include "engine/opening.hpp"
#include "engine/verdict.hpp"

namespace wsprobe::harness {
namespace {

// How much of a message is kept: the largest expected one, and room to show what went wrong. A
// message over this matches nothing; holding all of it (up to receive_limit, the limit cases'
// 16 MiB) for evidence cost a hostile flood 16 MiB a case.
uint64_t keep_limit(const Case& c) {
  uint64_t expected = c.ok.largest_payload();
  if (c.non_strict) expected = std::max(expected, c.non_strict->largest_payload());
  return expected + (uint64_t{64} << 10);
}

// The largest message a faithful peer can send back in this case: everything the case sends
// (an echo of it all) or expects, plus room for its own small messages. Anything larger fails
// the connection with 1009 as it arrives, never held (a hostile peer cannot bloat the tester).
uint64_t receive_limit(const Case& c) {
  uint64_t sent = 0;
  for (const auto& s : c.steps) {
    sent += s.payload.size() * s.copies;  // windows of one size
    for (const auto& f : s.batch)
      sent += f.payload.size() * s.copies;
  }
  return std::max(sent + (uint64_t{64} << 10), keep_limit(c));
}

}  // namespace

uint64_t largest_message(const Case& c) {
  // A generated payload is made piece by piece as it is written (engine/payload.hpp), so only
  // literal ones, and compressed ones (deflated whole before framing), are held.
  const auto held = [](const Payload& p, bool compressed) -> uint64_t {
    return p.generated() && !compressed ? 0 : p.size();
  };
  uint64_t largest = keep_limit(c);
  for (const auto& s : c.steps) {
    largest = std::max(largest, held(s.payload, s.compress));
    for (const auto& f : s.batch)
      largest = std::max(largest, held(f.payload, f.compress));
  }
  return largest;
}

namespace {

// Events kept for judging: what the case expects, and enough beyond it to show what went wrong.
size_t event_limit(const Case& c) {
  return c.ok.size() + 64;
}

class CaseRun {
 public:
  CaseRun(const Case& c, const RunOptions& o, codec::Role role, double scale)
      : case_(c),
        server_(role == codec::Role::server),
        wire_(result_, o.timeout_scale, scale),
        sender_(role, seeded_random(o.seed, c.id)),
        receiver_(role, receive_limit(c), event_limit(c), wire_,
                  server_ ? "the client" : "the server", keep_limit(c)),
        conversation_(wire_, sender_, receiver_, result_, c.timeout + 5.0) {
    result_.id = c.id;
    result_.seed = o.seed;
    result_.timeout_scale = o.timeout_scale * scale;
    result_.expected = describe_runs(c.ok);
    receiver_.share_expected(c.ok);
  }

  CaseResult run(const Url& url, const TlsOptions& tls) {
    // Connections held beside this one (slowloris, idle): opened first, released at the end.
    std::optional<HeldConnections> held;
    if (case_.hold) {
      held.emplace(*case_.hold, url, 2.0 * result_.timeout_scale);
      wire_.note('*', held->summary());
    }
    CaseResult r = play(open_as_client(case_, url, tls, wire_, sender_, result_));
    if (held) add_note(r, held->status());
    return r;
  }

  CaseResult run_accepted(std::unique_ptr<Transport> t, const codec::HttpRequest& request,
                          std::vector<uint8_t> leftover) {
    wire_.attach(std::move(t));
    return play(open_as_server(case_, request, std::move(leftover), wire_, sender_, result_));
  }

 private:
  CaseResult play(Opening opening) {
    if (opening.open && case_.deflate && !opening.deflate && !case_.deflate->decline_ok) {
      deflate_declined(opening);
    } else if (opening.open && refusal_expected()) {
      conversation_.feed(opening.leftover);
      run_steps(opening.first_step_sent ? 1 : 0);
      watch_refusal();
    } else if (opening.open) {
      if (opening.deflate) {
        sender_.set_deflate(*opening.deflate);
        receiver_.set_deflate(*opening.deflate);
      } else if (case_.deflate) {
        wire_.note('*', "declined, as the case allows: the steps run without permessage-deflate");
      }
      conversation_.feed(opening.leftover);
      run_steps(opening.first_step_sent ? 1 : 0);
      finish(case_, server_, conversation_, receiver_, wire_, result_);
      result_.received = describe_received(case_.ok, receiver_.matched(), receiver_.events());
      if (receiver_.truncated()) result_.received.emplace_back("... (more, not kept)");
      result_.remote_close_code = receiver_.close_code();
      result_.remote_close_reason = receiver_.close_reason();
      judge(case_,
            Observation{receiver_.events(), receiver_.truncated(), receiver_.violation(),
                        receiver_.close_received(), receiver_.peer()},
            result_);
      deflate_choice(opening);
      judge_taken();
      if (case_.close.after_close_fails && receiver_.after_close() > 0) {
        // RFC 6455 5.5.1: after its close frame a peer sends no more data frames.
        result_.behavior = Behavior::failed;
        result_.reason = receiver_.peer() +
                         " sent bytes after its close frame: it went on answering what followed "
                         "our close (RFC 6455 5.5.1)";
        wire_.note('*', result_.reason);
      }
    }
    if (result_.peer_closed_tcp_first && result_.behavior == Behavior::ok) {
      result_.behavior = Behavior::non_strict;  // a SHOULD (RFC 6455 7.1.1)
      result_.reason = receiver_.peer() +
                       " closed TCP first after the closing handshake; the server should (RFC "
                       "6455 7.1.1)";
    }
    if (server_) judge_masking();
    result_.duration_ms = static_cast<int64_t>(wire_.elapsed_ms());
    wire_.close();
    return std::move(result_);
  }

  // close.within_bytes: a peer that took more than this after a header it had to reject (an
  // until_close step) read or buffered the payload the header claimed (RFC 6455 10.4); an upper
  // bound, as the kernel's socket buffers hold part of it, hence a bound far above them.
  void judge_taken() {
    const auto taken = conversation_.taken_after_header();
    if (!case_.close.within_bytes || !taken || *taken <= *case_.close.within_bytes ||
        result_.behavior != Behavior::ok)
      return;
    result_.behavior = Behavior::non_strict;
    result_.reason = receiver_.peer() + " took " + std::to_string(*taken) +
                     " bytes after a frame header it had to reject, more than " +
                     std::to_string(*case_.close.within_bytes) +
                     ": it read (or buffered) the payload the header claimed before deciding "
                     "(RFC 6455 10.4)";
    wire_.note('*', result_.reason);
  }

  // The server declined every permessage-deflate offer (RFC 7692 5): the case cannot run and is
  // UNIMPLEMENTED, as Autobahn grades 12.x/13.x. The tester closes with 1000 and drops TCP at
  // once: the verdict does not depend on the closing handshake (hundreds of other cases judge
  // it), and against a server that never answers a close the timers would cost every deflate
  // case a second.
  void deflate_declined(Opening& opening) {
    conversation_.feed(opening.leftover);
    conversation_.send_close(1000, "permessage-deflate not agreed: closing with 1000");
    wire_.note('*', "UNIMPLEMENTED: closing TCP without waiting for the closing handshake");
    conversation_.mark_tcp_closed();
    result_.behavior = Behavior::unimplemented;
    result_.behavior_close = CloseBehavior::informational;
    result_.reason = server_ ? "the client made no permessage-deflate offer the case accepts "
                               "(RFC 7692 5; Autobahn's fuzzingserver grading)"
                             : receiver_.peer() + " did not agree to permessage-deflate (RFC 7692)";
  }

  // A case restricting which offers may be accepted (DeflateSpec::accept_only), once it ran: a
  // SHOULD case whose server took a later offer over a preferred one is NON-STRICT (RFC 7692 5);
  // a decline the case allows is said in the reason.
  void deflate_choice(const Opening& opening) {
    if (result_.behavior != Behavior::ok) return;
    if (!opening.deflate_not_preferred.empty()) {
      result_.behavior = Behavior::non_strict;
      result_.reason = "permessage-deflate: " + opening.deflate_not_preferred;
      wire_.note('*', result_.reason);
    } else if (case_.deflate && !opening.deflate && result_.reason.empty()) {
      result_.reason = receiver_.peer() + " declined the permessage-deflate offers (" +
                       rfc_reference(case_) + ")";
    }
  }

  // The tester as the server, with a handshake response the client must refuse (RFC 6455 4.1).
  [[nodiscard]] bool refusal_expected() const {
    return server_ && case_.handshake_response && case_.handshake_response->refuse;
  }

  // Reads what the client does with the response until it sends a frame, closes, or the case's
  // timeout passes; the steps (a message to echo) have made a client that took it go on.
  void watch_refusal() {
    conversation_.pump_until(wire_.after(case_.timeout),
                             [this] { return receiver_.frames() > 0 || receiver_.violation(); });
    conversation_.poll();  // the rest of what came with it (a close frame after a message)
    RefusalObservation seen;
    seen.frames = receiver_.frames();
    seen.close_frame = receiver_.close_received();
    seen.violation = receiver_.violation();
    seen.http_request = starts_like_http_request(receiver_.head());
    seen.tcp_closed = conversation_.tcp_closed();
    seen.peer = receiver_.peer();
    result_.received = describe_received(case_.ok, receiver_.matched(), receiver_.events());
    judge_refusal_by_client(seen, result_);
    if (case_.requirement == Requirement::should && result_.behavior == Behavior::failed) {
      result_.behavior = Behavior::non_strict;  // a SHOULD broken, not a MUST
      result_.behavior_close = CloseBehavior::ok;
    }
    wire_.note('*', result_.reason);
  }

  // RFC 6455 5.3, 10.3: every frame a client sends has a fresh, unpredictable key.
  void judge_masking() {
    MaskingJudge keys;
    for (const auto& k : receiver_.mask_keys()) {
      keys.add(k);
      result_.mask_keys.push_back(key_value(k));
    }
    const std::string finding = keys.finding();
    if (finding.empty()) return;
    result_.behavior = Behavior::failed;
    result_.reason = "masking keys: " + finding + " (RFC 6455 5.3, 10.3)";
    wire_.note('*', result_.reason);
  }

  void run_steps(size_t first) {
    const auto kill = wire_.after(case_.timeout);  // bounds the awaited round trips
    size_t i = first;
    bool stopped = false;
    size_t unsent = 0;  // copies of steps, once the peer closed first
    for (; i < case_.steps.size() && !stopped && open(); ++i) {
      const Step& s = case_.steps[i];
      // A step standing for copies (a repeated step, successive windows of a data set, a flood
      // of one frame sent without reading) sends each in turn.
      conversation_.unread(s.unread);
      size_t k = 0;
      for (; k < s.copies && !stopped && open(); ++k) {
        if (s.kind == Step::Kind::wait) {
          conversation_.pause(s.wait, s.tag);
        } else {
          stopped = !send_step(s.windows ? s.copy(k) : s, kill);
        }
      }
      conversation_.unread(0);
      unsent += s.copies - k;
    }
    for (size_t j = i; j < case_.steps.size(); ++j)
      unsent += case_.steps[j].copies;
    if (unsent != 0 && receiver_.close_received() && !conversation_.tcp_closed()) {
      wire_.note(
          '*', receiver_.peer() + " closed first: " + std::to_string(unsent) + " step(s) not sent");
    }
    conversation_.poll();
  }

  [[nodiscard]] bool open() const { return conversation_.alive() && !receiver_.close_received(); }

  // The step's frames, then its awaited events; false when those did not come in time.
  bool send_step(const Step& s, Clock::time_point kill) {
    const size_t before = receiver_.events().size();
    sender_.for_each_frame(s, [this, &s](const Outgoing& frame) {
      // A fragmented step stops at a frame boundary once the peer has closed.
      if (!open()) return false;
      conversation_.send(frame);
      // Gathered fragments: what came back is looked at between writes (a peer failing the
      // message early ends the step), without waiting; an unread step reads nothing.
      if (s.gather != 0 && s.unread <= 0) conversation_.poll_now();
      return true;
    });
    return s.await == 0 || await_events(before + s.await, kill);
  }

  // Reads until `count` events have arrived; false (noted) when the case's time ran out first.
  bool await_events(size_t count, Clock::time_point kill) {
    auto arrived = [&] { return receiver_.events().size() >= count || receiver_.close_received(); };
    conversation_.pump_until(kill, arrived);
    if (receiver_.events().size() >= count) return true;
    if (conversation_.alive() && !receiver_.close_received()) {
      wire_.note('*', "no answer to event " + std::to_string(count) +
                          " within the case's time: the rest of the steps are not sent");
    }
    return false;
  }

  const Case& case_;
  bool server_;
  CaseResult result_;
  Wire wire_;
  Sender sender_;
  Receiver receiver_;
  Conversation conversation_;
};

std::string kind_of(const CaseResult& r) {
  return "timers " + std::to_string(r.timers) + ": " + std::string(to_string(r.behavior)) + " / " +
         std::string(to_string(r.behavior_close));
}

}  // namespace

CaseResult run_case_once(const Case& c, const Url& url, const RunOptions& options) {
  return CaseRun(c, options, codec::Role::client, 1.0).run(url, options.tls);
}

CaseResult run_case(const Case& c, const Url& url, const RunOptions& options,
                    Confirmer* confirmer) {
  CaseResult first = run_case_once(c, url, options);
  if (!first.non_ok() || !first.timer_decided || options.confirm_factor <= 0) return first;
  // No verdict from load alone: a timer decided it, so it must hold with every timeout longer.
  const std::string kind = kind_of(first);
  // Only the closing timers say something about the server whatever the case: whether it answers
  // a close frame, whether it closes TCP. The kill timer depends on what the case sent (a server
  // may fail one violation late and never see another), so it is always re-run.
  const bool server_wide = first.timer_server_wide;
  if (confirmer != nullptr && server_wide) {
    const std::string pattern = confirmer->pattern_for(kind);
    if (!pattern.empty()) {
      first.confirmation =
          "confirmed by pattern: the same timer-decided verdict was confirmed "
          "with timeouts x" +
          std::to_string(static_cast<int>(options.confirm_factor)) + " on " + pattern;
      return first;
    }
  }
  CaseRun again(c, options, codec::Role::client, options.confirm_factor);
  CaseResult second = again.run(url, options.tls);
  const bool same =
      second.behavior == first.behavior && second.behavior_close == first.behavior_close;
  if (confirmer != nullptr && server_wide) confirmer->record(kind, c.id, same);
  const std::string factor = std::to_string(static_cast<int>(options.confirm_factor));
  if (same) {
    second.confirmation =
        "confirmed: a re-run with every timeout x" + factor + " gave the same verdict";
  } else {
    second.confirmation =
        "not confirmed: the first run gave " + std::string(to_string(first.behavior)) + " / " +
        std::string(to_string(first.behavior_close)) + " (" + first.reason +
        ") when a timer fired; the re-run with every timeout x" + factor + " gave this verdict";
  }
  return second;
}

CaseResult run_case_as_server(const Case& c, std::unique_ptr<Transport> transport,
                              const codec::HttpRequest& request, std::vector<uint8_t> leftover,
                              const RunOptions& options) {
  return CaseRun(c, options, codec::Role::server, 1.0)
      .run_accepted(std::move(transport), request, std::move(leftover));
}

std::string Confirmer::pattern_for(const std::string& kind) {
  const std::lock_guard<std::mutex> lock(mu_);
  const auto& k = kinds_[kind];
  if (k.broken || k.confirmed.size() < static_cast<size_t>(needed_)) return {};
  std::string ids;
  for (const auto& id : k.confirmed)
    ids += (ids.empty() ? "" : ", ") + id;
  return ids;
}

void Confirmer::record(const std::string& kind, const std::string& id, bool confirmed) {
  const std::lock_guard<std::mutex> lock(mu_);
  auto& k = kinds_[kind];
  if (!confirmed) {
    k.broken = true;
  } else if (k.confirmed.size() < static_cast<size_t>(needed_)) {
    k.confirmed.push_back(id);
  }
}

}  // namespace wsprobe::harness
