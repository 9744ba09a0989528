#include "engine/case_runner.hpp"

#include <algorithm>
#include <numeric>

#include "engine/closing.hpp"
#include "engine/conversation.hpp"
#include "engine/describe.hpp"
#include "engine/opening.hpp"
#include "engine/verdict.hpp"

namespace wsprobe::harness {
namespace {

// The largest message a faithful peer can send back in this case: everything the case sends
// (an echo of it all) or expects, plus room for its own small messages. Anything larger fails
// the connection with 1009 as it arrives, never held (a hostile peer cannot bloat the tester).
uint64_t receive_limit(const Case& c) {
  uint64_t sent = 0;
  for (const auto& s : c.steps) {
    sent += s.payload.size();
    for (const auto& f : s.batch)
      sent += f.payload.size();
  }
  uint64_t expected = 0;
  for (const auto& e : c.ok)
    expected += e.payload.size();
  return std::max(sent, expected) + (uint64_t{64} << 10);
}

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
                  server_ ? "the client" : "the server"),
        conversation_(wire_, sender_, receiver_, result_, c.timeout + 5.0) {
    result_.id = c.id;
    result_.seed = o.seed;
    result_.timeout_scale = o.timeout_scale * scale;
    for (const auto& e : c.ok)
      result_.expected.push_back(describe(e));
  }

  CaseResult run(const Url& url, const TlsOptions& tls) {
    return play(open_as_client(case_, url, tls, wire_, sender_, result_));
  }

  CaseResult run_accepted(std::unique_ptr<Transport> t, const codec::HttpRequest& request,
                          std::vector<uint8_t> leftover) {
    wire_.attach(std::move(t));
    return play(open_as_server(case_, request, std::move(leftover), wire_, sender_, result_));
  }

 private:
  CaseResult play(Opening opening) {
    if (opening.open) {
      conversation_.feed(opening.leftover);
      run_steps(opening.first_step_sent ? 1 : 0);
      finish(case_, server_, conversation_, receiver_, wire_, result_);
      for (const auto& e : receiver_.events())
        result_.received.push_back(describe(e));
      if (receiver_.truncated()) result_.received.emplace_back("... (more, not kept)");
      result_.remote_close_code = receiver_.close_code();
      result_.remote_close_reason = receiver_.close_reason();
      judge(case_,
            Observation{receiver_.events(), receiver_.truncated(), receiver_.violation(),
                        receiver_.close_received(), receiver_.peer()},
            result_);
    }
    result_.duration_ms = static_cast<int64_t>(wire_.elapsed_ms());
    wire_.close();
    return std::move(result_);
  }

  void run_steps(size_t first) {
    size_t i = first;
    for (; i < case_.steps.size() && conversation_.alive() && !receiver_.close_received(); ++i) {
      const Step& s = case_.steps[i];
      if (s.kind == Step::Kind::wait) {
        conversation_.pause(s.wait, s.tag);
        continue;
      }
      sender_.for_each_frame(s, [this](const Outgoing& frame) {
        // A fragmented step stops at a frame boundary once the peer has closed.
        if (!conversation_.alive() || receiver_.close_received()) return false;
        conversation_.send(frame);
        return true;
      });
    }
    if (i < case_.steps.size() && receiver_.close_received() && !conversation_.tcp_closed()) {
      wire_.note('*', receiver_.peer() + " closed first: " +
                          std::to_string(case_.steps.size() - i) + " step(s) not sent");
    }
    conversation_.poll();
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
