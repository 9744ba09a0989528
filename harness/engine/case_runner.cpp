#include "engine/case_runner.hpp"

#include <algorithm>
#include <functional>

#include "engine/describe.hpp"
#include "engine/verdict.hpp"
#include "wsprobe/close.hpp"
#include "wsprobe/handshake.hpp"
#include "wsprobe/message_assembler.hpp"

namespace wsprobe::harness {
namespace {

using namespace std::chrono_literals;
using codec::FrameHeader;

// Autobahn 0.10.9's protocol timeouts (autobahn-cases.md 2.6), before scaling.
constexpr double open_handshake_timeout = 5.0;
constexpr double close_handshake_timeout = 1.0;
constexpr double server_drop_timeout = 1.0;
constexpr double linger_after_expected = 0.02;  // extra events after the expected ones

class CaseRun {
 public:
  CaseRun(const Case& c, const Url& url, const RunOptions& o,
          codec::Role role = codec::Role::client)
      : case_(c),
        url_(url),
        options_(o),
        start_(Clock::now()),
        server_(role == codec::Role::server),
        parser_(codec::FrameParserOptions{role, 0, o.max_receive}),
        assembler_(codec::AssemblerOptions{o.max_receive, true}) {
    result_.id = c.id;
    for (const auto& e : c.ok)
      result_.expected.push_back(describe(e));
  }

  CaseResult run() {
    if (connect_and_handshake()) {
      run_steps();
      finish();
    }
    return done();
  }

  // The server role: the client's request has been read already.
  CaseResult run_accepted(std::unique_ptr<Transport> t, const codec::HttpRequest& request,
                          std::vector<uint8_t> leftover) {
    transport_ = std::move(t);
    result_.connected = true;
    if (accept_handshake(request, std::move(leftover))) {
      run_steps();
      finish();
    }
    return done();
  }

 private:
  CaseResult done() {
    result_.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_).count();
    if (transport_) transport_->close();
    return std::move(result_);
  }

  bool accept_handshake(const codec::HttpRequest& request, std::vector<uint8_t> leftover) {
    result_.http_request = request.method + " " + request.target;
    const auto accepted = codec::validate_request(request);
    if (!accepted) {
      const std::string reject = codec::build_reject_response(accepted.error());
      (void)transport_->write({reinterpret_cast<const uint8_t*>(reject.data()), reject.size()},
                              after(1.0));
      return handshake_failed("the client's upgrade request is invalid: " +
                              std::string(accepted.error().reason));
    }
    const std::string response = codec::build_accept_response(accepted.value());
    result_.http_response = response;
    std::vector<uint8_t> first(response.begin(), response.end());
    if (!case_.steps.empty() && case_.steps.front().with_handshake) {
      const auto frame = frame_bytes(case_.steps.front());
      first.insert(first.end(), frame.begin(), frame.end());
      note('>', "in the same write as the 101: " +
                    describe_frame(case_.steps.front().header, case_.steps.front().payload));
      skip_first_step_ = true;
    }
    note('>', "handshake response: HTTP/1.1 101 Switching Protocols");
    if (transport_->write(first, after(open_handshake_timeout)).status != IoStatus::ok) {
      return handshake_failed("the client closed the connection during the opening handshake");
    }
    open_ = true;
    feed(leftover);
    return true;
  }

  Clock::time_point after(double seconds) const {
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(seconds * options_.timeout_scale));
  }

  void note(char dir, std::string text) {
    const double t = std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
    if (result_.log.size() < 2000) result_.log.push_back({t, dir, std::move(text)});
  }

  // --- opening handshake ---

  std::string build_request(std::string& key) {
    key = codec::generate_key(codec::openssl_random());
    std::vector<std::pair<std::string, std::string>> fields = {
        {"Host", url_.host_header()}, {"Upgrade", "websocket"},        {"Connection", "Upgrade"},
        {"Sec-WebSocket-Key", key},   {"Sec-WebSocket-Version", "13"}, {"User-Agent", "wsprobe"}};
    std::string method = "GET";
    std::string version = "HTTP/1.1";
    if (case_.handshake) {
      const auto& h = *case_.handshake;
      method = h.method;
      version = h.version;
      auto same = [](const std::string& a, const std::string& b) { return codec::iequals(a, b); };
      for (const auto& name : h.remove) {
        std::erase_if(fields, [&](const auto& f) { return same(f.first, name); });
      }
      for (const auto& field : h.set) {
        const std::string& name = field.first;  // a plain name: lambdas cannot capture bindings
        const std::string& value = field.second;
        auto it = std::find_if(fields.begin(), fields.end(),
                               [&](const auto& f) { return same(f.first, name); });
        if (it != fields.end()) {
          it->second = value;
        } else {
          fields.emplace_back(name, value);
        }
        if (same(name, "Sec-WebSocket-Key")) key = value;
      }
      for (const auto& [name, value] : h.add) {
        fields.emplace_back(name, value);
        if (same(name, "Sec-WebSocket-Protocol")) {
          for (auto p : codec::split_list(value))
            offered_.subprotocols.emplace_back(p);
        }
      }
    }
    std::string req = method + " " + url_.target + " " + version + "\r\n";
    for (const auto& [name, value] : fields)
      req += name + ": " + value + "\r\n";
    return req + "\r\n";
  }

  bool connect_and_handshake() {
    std::string error;
    const auto deadline = after(open_handshake_timeout);
    transport_ = Transport::connect(url_, deadline, options_.tls, error);
    if (!transport_) {
      result_.reason = error;
      note('*', error);
      return false;
    }
    result_.connected = true;
    std::string key;
    std::string request = build_request(key);
    result_.http_request = request;
    note('>', "opening handshake: " + request.substr(0, request.find("\r\n")));
    std::vector<uint8_t> first(request.begin(), request.end());
    if (!case_.steps.empty() && case_.steps.front().with_handshake) {
      const auto frame = frame_bytes(case_.steps.front());
      first.insert(first.end(), frame.begin(), frame.end());
      note('>', "in the same write: " +
                    describe_frame(case_.steps.front().header, case_.steps.front().payload));
      skip_first_step_ = true;
    }
    if (transport_->write(first, deadline).status != IoStatus::ok) {
      return handshake_failed("the server closed the connection during the opening handshake");
    }
    codec::HttpHeadParser head(codec::HttpKind::response);
    std::vector<uint8_t> buf(16384);
    while (head.status() == codec::HttpHeadParser::Status::incomplete) {
      const auto r = transport_->read_some(buf, deadline);
      if (r.status == IoStatus::timeout)
        return handshake_failed("no handshake response within the open timeout");
      if (r.status != IoStatus::ok)
        return handshake_failed("the server closed the connection before answering the handshake");
      const std::span<const uint8_t> got(buf.data(), r.bytes);
      const size_t used = head.feed(got);
      result_.http_response.append(reinterpret_cast<const char*>(got.data()), used);
      if (head.status() == codec::HttpHeadParser::Status::complete)
        leftover_.assign(got.begin() + static_cast<long>(used), got.end());
    }
    if (head.status() == codec::HttpHeadParser::Status::error) {
      return handshake_failed("malformed handshake response: " + std::string(head.error().reason));
    }
    const auto& response = head.response();
    note('<', "handshake response: " +
                  result_.http_response.substr(0, result_.http_response.find("\r\n")));
    if (case_.handshake &&
        std::find(case_.handshake->expect_status.begin(), case_.handshake->expect_status.end(),
                  101) == case_.handshake->expect_status.end()) {
      judge_rejection(response);
      return false;
    }
    offered_.host = url_.host_header();
    const auto accepted = codec::validate_response(response, key, offered_);
    if (!accepted) {
      return handshake_failed("the server's handshake response is invalid: " +
                              std::string(accepted.error().reason));
    }
    open_ = true;
    feed(leftover_);
    return true;
  }

  bool handshake_failed(const std::string& why) {
    result_.reason = why;
    note('*', why);
    result_.behavior = "FAILED";
    result_.behavior_close = "FAILED";
    return false;
  }

  void judge_rejection(const codec::HttpResponse& r) {
    const auto& spec = *case_.handshake;
    result_.behavior_close = "OK";
    const bool listed = std::find(spec.expect_status.begin(), spec.expect_status.end(), r.status) !=
                        spec.expect_status.end();
    std::string missing;
    for (const auto& [name, value] : spec.expect_header) {
      const auto got = r.headers.single(name);
      if (!got || !codec::iequals(*got, value)) missing = name + ": " + value;
    }
    const std::string status = "answered " + std::to_string(r.status);
    if (r.status == 101) {
      result_.behavior = "FAILED";
      result_.reason = "the server accepted a request it must refuse (101)";
    } else if (!missing.empty()) {
      result_.behavior = "FAILED";
      result_.reason = status + " without " + missing;
    } else if (listed) {
      result_.behavior = "OK";
      result_.reason = status;
    } else {
      result_.behavior = "NON-STRICT";
      result_.reason =
          status + "; the expected status is " + std::to_string(spec.expect_status.front());
    }
    note('*', result_.reason);
  }

  // --- sending ---

  std::vector<uint8_t> frame_bytes(const Step& s) const {
    FrameHeader h = s.header;
    // A server's frames are unmasked; a case that sends the wrong masking sends a masked one.
    if (server_) h.masked = !h.masked;
    if (h.masked) codec::openssl_random()(h.mask);
    return codec::encode_frame(h, s.payload, s.length_form);
  }

  bool alive() const { return !tcp_closed_ && !violation_; }
  std::string peer() const { return server_ ? "the client" : "the server"; }

  // Writes bytes in pieces of `chop` (0: whole), reading between pieces.
  bool write(std::span<const uint8_t> bytes, size_t chop) {
    const size_t piece = chop == 0 ? bytes.size() : chop;
    for (size_t at = 0; at < bytes.size() && alive(); at += piece) {
      const auto part = bytes.subspan(at, std::min(piece, bytes.size() - at));
      const auto r = transport_->write(part, after(case_.timeout + 5.0));
      if (r.status != IoStatus::ok) {
        // The server stopped reading (it failed us early, or crashed). What it sent before, a
        // close frame above all, may still be waiting to be read.
        note('*', "write failed: " + r.message);
        pump_until(after(close_handshake_timeout), [] { return false; });
        tcp_closed_ = true;
        return false;
      }
      if (chop != 0) poll();
    }
    return alive();
  }

  void send_frame(const Step& s) {
    if (s.fragment != 0 && s.payload.size() > s.fragment) {
      for (size_t at = 0; at < s.payload.size() && alive(); at += s.fragment) {
        Step f = s;
        f.fragment = 0;
        f.header.opcode = at == 0 ? s.header.opcode : 0;
        f.header.fin = at + s.fragment >= s.payload.size();
        f.payload.assign(
            s.payload.begin() + static_cast<long>(at),
            s.payload.begin() + static_cast<long>(std::min(s.payload.size(), at + s.fragment)));
        send_frame(f);
      }
      return;
    }
    const auto bytes = frame_bytes(s);
    note('>', describe_frame(s.header, s.payload) +
                  (s.chop ? " in " + std::to_string(s.chop) + "-byte writes" : ""));
    if (s.close) {
      sent_close_ = true;
      result_.closed_by_me = !received_close_;
      if (s.payload.size() >= 2)
        result_.local_close_code = static_cast<uint16_t>(s.payload[0] << 8 | s.payload[1]);
    }
    if (s.parts.empty()) {
      write(bytes, s.chop);
      return;
    }
    // One frame whose payload goes out in parts with pauses (Autobahn 6.4.3/6.4.4).
    size_t at = bytes.size() - s.payload.size();  // the header goes with the first part
    size_t from = 0;
    for (size_t k = 0; k < s.parts.size() && alive(); ++k) {
      at += s.parts[k];
      if (!write(std::span(bytes).subspan(from, at - from), 0)) return;
      from = at;
      if (k + 1 < s.parts.size()) pause(s.pause, k < s.tags.size() ? s.tags[k] : "");
    }
  }

  void send_pong(const std::vector<uint8_t>& payload) {
    Step s;
    s.header = FrameHeader{true, 0, 0xA, true, {}, 0};
    s.payload = payload;
    note('>', "pong (answering the server's ping)");
    write(frame_bytes(s), 0);
  }

  void send_close(uint16_t code, bool echo) {
    Step s;
    s.header = FrameHeader{true, 0, 0x8, true, {}, 0};
    if (code != codec::close_code::no_status)
      s.payload = {static_cast<uint8_t>(code >> 8), static_cast<uint8_t>(code & 0xFF)};
    s.close = true;
    note('*', echo ? "answering the server's close" : "closing with " + std::to_string(code));
    send_frame(s);
  }

  void pause(double seconds, const std::string& tag) {
    pump_until(after(seconds), [] { return false; });
    // Autobahn's continueLater: the marker counts only if the connection is still open.
    if (tag.empty() || !open_ || !alive() || received_close_) return;
    received_.push_back({Expected::Kind::timeout, {}, tag});
    note('*', "still open after the pause (" + tag + ")");
  }

  // --- receiving ---

  // One read that waits at most a moment: collects what has arrived.
  void poll() {
    pump_until(Clock::now(), [] { return false; });
  }

  // Reads until done() holds, the connection ends, or the deadline passes.
  void pump_until(Clock::time_point deadline, const std::function<bool()>& done) {
    std::vector<uint8_t> buf(65536);
    while (alive() && !done()) {
      const auto r = transport_->read_some(buf, deadline);
      if (r.status == IoStatus::timeout) return;
      if (r.status != IoStatus::ok) {
        tcp_closed_ = true;
        note('*',
             r.status == IoStatus::closed ? peer() + " closed TCP" : "read failed: " + r.message);
        return;
      }
      feed(std::span<const uint8_t>(buf.data(), r.bytes));
      if (Clock::now() >= deadline) return;
    }
  }

  void feed(std::span<const uint8_t> data) {
    if (data.empty() || violation_) return;
    std::vector<uint8_t> copy(data.begin(), data.end());
    std::span<uint8_t> in(copy);
    for (;;) {
      const codec::FrameEvent ev = parser_.next(in);
      if (ev.kind == codec::FrameEvent::Kind::need_more) return;
      codec::Assembled a = assembler_.feed(ev);
      if (a.kind == codec::Assembled::Kind::error) {
        server_violation(a.error);
        return;
      }
      if (a.kind != codec::Assembled::Kind::none) on_received(std::move(a));
      if (!alive()) return;
    }
  }

  void server_violation(const codec::Error& e) {
    violation_ = true;
    result_.reason = peer() + " broke the protocol: " + std::string(e.reason);
    note('*', result_.reason);
    if (!sent_close_) {  // RFC 6455 7.1.7: fail the connection with its code
      const std::vector<uint8_t> payload{static_cast<uint8_t>(e.close_code >> 8),
                                         static_cast<uint8_t>(e.close_code & 0xFF)};
      Step close;
      close.header = FrameHeader{true, 0, 0x8, true, {}, 0};
      close.payload = payload;
      (void)transport_->write(frame_bytes(close), after(close_handshake_timeout));
    }
  }

  void on_received(codec::Assembled&& a) {
    if (received_close_) {
      note('<', "data after the server's close frame");
      return;
    }
    switch (a.opcode) {
      case codec::Opcode::text:
      case codec::Opcode::binary: {
        const auto kind =
            a.opcode == codec::Opcode::text ? Expected::Kind::text : Expected::Kind::binary;
        note('<', describe(Expected{kind, a.payload, {}}));
        received_.push_back({kind, std::move(a.payload), {}});
        break;
      }
      case codec::Opcode::ping:
        note('<', describe(Expected{Expected::Kind::ping, a.payload, {}}));
        received_.push_back({Expected::Kind::ping, a.payload, {}});
        if (!sent_close_) send_pong(a.payload);
        break;
      case codec::Opcode::pong:
        note('<', describe(Expected{Expected::Kind::pong, a.payload, {}}));
        received_.push_back({Expected::Kind::pong, std::move(a.payload), {}});
        break;
      case codec::Opcode::close: {
        received_close_ = true;
        const auto parsed = codec::parse_close_payload(a.payload);
        if (!parsed) {
          server_violation(parsed.error());
          return;
        }
        if (parsed->code != codec::close_code::no_status) result_.remote_close_code = parsed->code;
        result_.remote_close_reason = parsed->reason;
        note('<', "close " +
                      (result_.remote_close_code ? std::to_string(*result_.remote_close_code)
                                                 : std::string("(no code)")) +
                      (parsed->reason.empty() ? "" : " '" + parsed->reason.substr(0, 80) + "'"));
        if (!sent_close_) send_close(parsed->code, true);  // RFC 6455 5.5.1: echo the code
        break;
      }
      default:
        break;
    }
  }

  // --- the case ---

  void run_steps() {
    for (size_t i = skip_first_step_ ? 1 : 0; i < case_.steps.size() && alive() && !received_close_;
         ++i) {
      const Step& s = case_.steps[i];
      switch (s.kind) {
        case Step::Kind::frame:
          send_frame(s);
          break;
        case Step::Kind::raw:
          note('>', "raw bytes " + describe_bytes(s.raw));
          write(s.raw, s.chop);
          break;
        case Step::Kind::wait:
          pause(s.wait, s.tag);
          break;
        case Step::Kind::batch: {
          std::vector<uint8_t> all;
          for (const auto& f : s.batch) {
            const auto b = frame_bytes(f);
            all.insert(all.end(), b.begin(), b.end());
            note('>', describe_frame(f.header, f.payload) + " (same write)");
          }
          write(all, 0);
          break;
        }
      }
      if (s.frame_wise || s.chop != 0) poll();
    }
    poll();
  }

  bool expected_arrived() const {
    return received_.size() >= case_.ok.size() &&
           std::equal(case_.ok.begin(), case_.ok.end(), received_.begin());
  }

  void finish() {
    const auto kill = after(case_.timeout);
    const auto& close = case_.close;
    if (close.fc1000) {
      pump_until(kill, [&] { return expected_arrived() || received_close_; });
      if (expected_arrived() && !received_close_)
        pump_until(after(linger_after_expected), [] { return false; });
    } else if (!close.closed_by_me || !sent_close_) {
      pump_until(kill, [&] { return received_close_; });  // the server should fail the connection
    }
    if (alive() && !sent_close_) {
      // Our closing handshake: FC1000, or Autobahn's kill timer (1001, "going away").
      send_close(close.fc1000 ? 1000 : 1001, false);
      if (!close.fc1000) note('*', "the kill timer fired: the server never failed the connection");
    }
    if (alive() && sent_close_ && !received_close_) {
      pump_until(after(close_handshake_timeout), [&] { return received_close_; });
    }
    if (alive() && server_ && sent_close_ && received_close_) {
      tcp_closed_ = true;  // RFC 6455 7.1.1: as the server, we close TCP first
      note('*', "closing TCP (the server closes first)");
    }
    if (alive()) {
      // RFC 6455 7.1.1: the server closes TCP first; we wait for it, then drop it ourselves.
      pump_until(after(server_drop_timeout), [] { return false; });
      if (alive()) {
        result_.dropped_by_me = true;
        note('*', peer() + " did not close TCP; closing it");
      }
    }
    result_.was_clean = sent_close_ && received_close_ && tcp_closed_ && !violation_;
    for (const auto& e : received_)
      result_.received.push_back(describe(e));
    judge(case_, Observation{received_, violation_, received_close_, peer()}, result_);
  }

  const Case& case_;
  const Url& url_;
  const RunOptions& options_;
  Clock::time_point start_;
  bool server_;
  CaseResult result_;
  std::unique_ptr<Transport> transport_;
  codec::ClientOptions offered_;
  codec::FrameParser parser_;
  codec::MessageAssembler assembler_;
  std::vector<uint8_t> leftover_;
  std::vector<Expected> received_;
  bool open_ = false;
  bool skip_first_step_ = false;
  bool tcp_closed_ = false;
  bool violation_ = false;
  bool sent_close_ = false;
  bool received_close_ = false;
};

}  // namespace

bool CaseResult::failed() const {
  return behavior == "FAILED" || behavior_close == "FAILED" || behavior_close == "WRONG CODE" ||
         behavior_close == "UNCLEAN";
}

CaseResult run_case(const Case& c, const Url& url, const RunOptions& options) {
  return CaseRun(c, url, options).run();
}

CaseResult run_case_as_server(const Case& c, std::unique_ptr<Transport> transport,
                              const codec::HttpRequest& request, std::vector<uint8_t> leftover,
                              const RunOptions& options) {
  static const Url none;
  return CaseRun(c, none, options, codec::Role::server)
      .run_accepted(std::move(transport), request, std::move(leftover));
}

}  // namespace wsprobe::harness
