#include "engine/sender.hpp"

#include <algorithm>
#include <array>
#include <memory>

#include "engine/describe.hpp"

namespace wsprobe::harness {
namespace {

// Payloads above this are written from the case, masked piece by piece, not copied whole.
constexpr size_t stream_threshold = size_t{1} << 20;
// The pieces of an until_close step without a chop of its own.
constexpr size_t until_close_piece = size_t{16} << 10;
// A dribbled write unit (a chop cycle, a gathered chop) reads between pieces this often, bytes.
constexpr size_t dribble_poll_every = size_t{4} << 10;

// Where the writes of `size` bytes end: pieces of `chop` bytes, or of the sizes of `cycle` in
// turn (starting again with each write unit), the last piece whatever is left.
std::vector<size_t> cuts_of(size_t size, size_t chop, const std::vector<size_t>& cycle) {
  std::vector<size_t> cuts;
  if (chop != 0 || !cycle.empty()) {
    for (size_t at = 0, k = 0;; ++k) {
      at += chop != 0 ? chop : cycle[k % cycle.size()];
      if (at >= size) break;
      cuts.push_back(at);
    }
  }
  cuts.push_back(size);
  return cuts;
}

// " in writes of 1, 2, 3 bytes in turn" for a chop cycle.
std::string describe_cycle(const std::vector<size_t>& cycle) {
  std::string out = " in writes of ";
  for (size_t k = 0; k < cycle.size(); ++k)
    out += (k == 0 ? "" : ", ") + std::to_string(cycle[k]);
  return out + (cycle.size() == 1 ? " bytes" : " bytes in turn");
}

// splitmix64: a small, well-mixed stream from one 64-bit state.
uint64_t next_u64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

codec::RandomSource seeded_random(uint64_t seed, const std::string& case_id) {
  uint64_t state = seed;
  for (const char ch : case_id)  // FNV-1a of the id, folded into the seed
    state = (state ^ static_cast<uint8_t>(ch)) * 0x100000001b3ULL;
  auto s = std::make_shared<uint64_t>(state);
  return [s](std::span<uint8_t> out) {
    for (size_t i = 0; i < out.size(); i += 8) {
      const uint64_t v = next_u64(*s);
      for (size_t k = 0; k < 8 && i + k < out.size(); ++k)
        out[i + k] = static_cast<uint8_t>(v >> (8 * k));
    }
  };
}

uint64_t draw_seed() {
  std::array<uint8_t, 8> bytes{};
  codec::openssl_random()(bytes);
  uint64_t seed = 0;
  for (const uint8_t b : bytes)
    seed = seed << 8 | b;
  return seed;
}

std::vector<uint8_t> Sender::frame_bytes(const Step& s) const {
  codec::FrameHeader h = s.header;
  if (server_) h.masked = !h.masked;  // a case's "wrong masking" inverts with the role
  if (h.masked) random_(h.mask);
  if (s.payload.generated()) return codec::encode_frame(h, s.payload.bytes(), s.length_form);
  return codec::encode_frame(h, s.payload.literal(), s.length_form);
}

Outgoing Sender::frame(const Step& s) const {
  Outgoing o;
  // A claimed length, or a step stopped part-way (until_close), streams the payload after the
  // header: the bytes after it are counted, and a 2^63-1 claim is never its payload.
  if (s.payload.size() > stream_threshold || s.declared || s.until_close > 0) {
    codec::FrameHeader h = s.header;
    if (server_) h.masked = !h.masked;
    if (h.masked) random_(h.mask);
    h.payload_length = s.declared.value_or(s.payload.size());
    o.bytes.resize(codec::max_header_size);
    o.bytes.resize(codec::encode_header(h, o.bytes, s.length_form));
    o.payload = s.payload;
    if (h.masked) o.mask = h.mask;
  } else {
    o.bytes = frame_bytes(s);
  }
  o.description = describe_frame(s.header, s.payload, server_);
  if (s.declared) {
    o.description += ", its header claiming " + std::to_string(*s.declared) + " bytes (" +
                     std::to_string(s.payload.size()) + " sent)";
  }
  o.close = s.close;
  if (s.close && s.payload.size() >= 2)
    o.close_code = static_cast<uint16_t>(s.payload.at(0) << 8 | s.payload.at(1));
  o.poll_after = s.frame_wise || s.chop != 0;
  o.until_close = s.until_close;
  if (!s.parts.empty()) {
    // One frame whose payload goes out in parts with pauses (Autobahn 6.4.3/6.4.4); the header
    // goes with the first part.
    size_t at = o.size() - s.payload.size();
    for (const size_t part : s.parts) {
      at = std::min(o.size(), at + part);
      o.cuts.push_back(at);
    }
    if (o.cuts.empty() || o.cuts.back() != o.size()) o.cuts.push_back(o.size());
    o.pause = s.pause;
    o.tags = s.tags;
  } else if (s.chop != 0) {
    o.description += " in " + std::to_string(s.chop) + "-byte writes";
    o.cuts = cuts_of(o.size(), s.chop, {});
  } else if (!s.chop_cycle.empty()) {
    o.description += describe_cycle(s.chop_cycle);
    o.cuts = cuts_of(o.size(), 0, s.chop_cycle);
    o.poll_every = dribble_poll_every;
  } else {
    o.cuts = cuts_of(o.size(), s.until_close > 0 ? until_close_piece : 0, {});
  }
  return o;
}

void Sender::set_deflate(const codec::DeflateAgreement& agreement) {
  // What the peer must handle does not depend on how hard the tester compresses (RFC 7692 leaves
  // it to the sender), and 12.x/13.x compress 11 GB: igzip's fastest level, 1.2-4 times as fast as
  // the default level 1 on their data (1 KiB to 128 KiB messages) for output 15-45 % larger.
  deflater_.emplace(
      codec::sending_direction(agreement, server_ ? codec::Role::server : codec::Role::client),
      codec::min_deflate_level);
}

Step Sender::compressed(const Step& s) const {
  if (!s.compress || !deflater_) return s;  // nothing agreed: the case ended before its steps
  Step c = s;
  std::vector<uint8_t> out;
  if (const auto in_place = s.payload.contiguous()) {
    deflater_->compress(*in_place, out);
  } else {
    deflater_->compress(s.payload.bytes(), out);
  }
  c.payload = Payload(std::move(out));
  c.header.rsv |= 0x4;  // RFC 7692 6: RSV1 on the first frame marks a compressed message
  return c;
}

void Sender::for_each_frame(const Step& s, const std::function<bool(const Outgoing&)>& each) const {
  switch (s.kind) {
    case Step::Kind::frame: {
      // RFC 7692 6.1: compressed first, then fragmented; RSV1 on the first frame only.
      std::optional<Step> packed;
      const Step& m = s.compress ? packed.emplace(compressed(s)) : s;
      const std::string note =
          s.compress ? " (compressed from " + std::to_string(s.payload.size()) + " bytes)" : "";
      if (m.gather != 0 && m.fragment != 0) {
        gathered(m, s.header.rsv, note, each);
      } else if (m.fragment != 0 && m.payload.size() > m.fragment) {
        for (size_t at = 0; at < m.payload.size(); at += m.fragment) {
          Step f = m;
          f.fragment = 0;
          f.header.opcode = at == 0 ? m.header.opcode : 0;
          f.header.rsv = at == 0 ? m.header.rsv : s.header.rsv;
          f.header.fin = at + m.fragment >= m.payload.size();
          f.payload = m.payload.slice(at, std::min(m.payload.size(), at + m.fragment));
          Outgoing o = frame(f);
          if (at == 0) o.description += note;
          if (!each(o)) return;
        }
      } else {
        Outgoing o = frame(m);
        o.description += note;
        (void)each(o);
      }
      break;
    }
    case Step::Kind::raw: {
      Outgoing o;
      o.bytes = s.raw;
      o.description = "raw bytes " + describe_bytes(s.raw);
      if (!s.chop_cycle.empty()) o.description += describe_cycle(s.chop_cycle);
      o.cuts = cuts_of(o.bytes.size(), s.chop, s.chop_cycle);
      o.poll_after = s.frame_wise || s.chop != 0;
      if (!s.chop_cycle.empty()) o.poll_every = dribble_poll_every;
      (void)each(o);
      break;
    }
    case Step::Kind::batch: {
      Outgoing o;        // frames written in one TCP write
      std::string last;  // a run of frames described alike is said once: "... x 64"
      size_t run = 0;
      const auto end_run = [&] {
        if (run == 0) return;
        o.description += (o.description.empty() ? "" : " + ") + last;
        if (run > 1) o.description += " x " + std::to_string(run);
      };
      for (const auto& raw : s.batch) {
        const Step f = compressed(raw);
        const auto b = frame_bytes(f);
        o.bytes.insert(o.bytes.end(), b.begin(), b.end());
        std::string d = describe_frame(f.header, f.payload, server_);
        if (run == 0 || d != last) {
          end_run();
          last = std::move(d);
          run = 0;
        }
        ++run;
        if (f.close && !o.close && f.payload.size() >= 2)
          o.close_code = static_cast<uint16_t>(f.payload.at(0) << 8 | f.payload.at(1));
        o.close = o.close || f.close;
      }
      end_run();
      o.description += " (one write)";
      o.cuts.push_back(o.bytes.size());
      o.poll_after = s.frame_wise;
      (void)each(o);
      break;
    }
    case Step::Kind::wait:
      break;
  }
}

void Sender::gathered(const Step& m, uint8_t continuation_rsv, const std::string& note,
                      const std::function<bool(const Outgoing&)>& each) const {
  // RFC 6455 5.4: one message in fragments of m.fragment bytes, encoded as they are sent, many
  // frames a write (m.gather bytes): 16 million 1-byte fragments cost one buffer, not a plan.
  const size_t n = m.payload.size();
  Outgoing o;
  o.bytes.reserve(m.gather + codec::max_header_size + m.fragment);
  size_t first = 0;
  size_t frames = 0;
  for (size_t at = 0; at == 0 || at < n; at += m.fragment) {
    const size_t len = std::min(m.fragment, n - at);
    codec::FrameHeader h = m.header;
    h.opcode = at == 0 ? m.header.opcode : 0;
    h.rsv = at == 0 ? m.header.rsv : continuation_rsv;  // RFC 7692 6.1: RSV1 on the first only
    h.fin = m.header.fin && at + len >= n;
    h.payload_length = len;
    if (server_) h.masked = !h.masked;
    if (h.masked) random_(h.mask);
    const size_t head = o.bytes.size();
    o.bytes.resize(head + codec::max_header_size + len);
    const size_t hl = codec::encode_header(h, std::span(o.bytes).subspan(head), m.length_form);
    o.bytes.resize(head + hl + len);
    const auto body = std::span(o.bytes).subspan(head + hl);
    m.payload.read(at, body);
    if (h.masked) codec::apply_mask(body, h.mask, 0);
    ++frames;
    if (o.bytes.size() < m.gather && at + len < n) continue;
    o.description =
        "frames " + std::to_string(first + 1) + " to " + std::to_string(first + frames) + " of a " +
        std::to_string(n) + "-byte message (opcode " + std::to_string(m.header.opcode) + ")" +
        (first == 0 ? note : "") + " in " + std::to_string(m.fragment) + "-byte fragments, " +
        (m.chop == 0 && m.chop_cycle.empty() ? "in one write of " : "") +
        std::to_string(o.bytes.size()) + " bytes";
    // A chop cuts the gathered bytes whatever the frames: pieces end one frame and begin the
    // next, headers cut at any offset (a peer's parser state carried across reads).
    if (m.chop != 0)
      o.description += " cut across frames in " + std::to_string(m.chop) + "-byte writes";
    if (!m.chop_cycle.empty()) o.description += " cut across frames" + describe_cycle(m.chop_cycle);
    o.cuts = cuts_of(o.bytes.size(), m.chop, m.chop_cycle);
    o.poll_every = dribble_poll_every;
    if (!each(o)) return;
    first += frames;
    frames = 0;
    o.bytes.clear();
  }
}

std::vector<Outgoing> Sender::plan(const Step& s) const {
  std::vector<Outgoing> out;
  for_each_frame(s, [&out](const Outgoing& o) {
    out.push_back(o);
    return true;
  });
  return out;
}

Outgoing Sender::control(uint8_t opcode, Payload payload) const {
  Step s;
  s.header = codec::FrameHeader{true, 0, opcode, true, {}, 0};  // masked as a client's
  s.payload = std::move(payload);
  s.close = opcode == 0x8;
  return frame(s);
}

}  // namespace wsprobe::harness
