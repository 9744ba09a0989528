// Fuzz target: permessage-deflate (RFC 7692). Config bits 0xC0 pick what the input is:
//   0: messages (the stream cut at the read boundaries) compressed and inflated with random
//      parameters (bits 0x07: window 8 + n, 0x08: no context takeover, 0x30: level), both ways
//      against zlib used directly: our Deflater -> zlib inflate, zlib deflate -> our Inflater.
//   1: arbitrary compressed data as one message, framed at the read boundaries (RSV1 on the
//      first frame) and read by a client Reader with deflate agreed and a limit of 16 << (config
//      & 0xF) bytes: the same events whole and byte by byte (over a window of a large stream,
//      fuzz::byte_window), messages within the limit, allocation bounded by the limit and what
//      arrived, never by what the data inflates to.
//   2 and 3: the stream as a Sec-WebSocket-Extensions value: the server's choice, when it makes
//      one, reads back and is accepted by a client that made the offers, with the same
//      agreement.

#include <zlib.h>

#include <string>

#include "fuzz_support.hpp"
#include "wsprobe/deflate.hpp"
#include "wsprobe/deflate_params.hpp"
#include "wsprobe/reader.hpp"

using namespace wsprobe;

namespace {

using Bytes = std::vector<uint8_t>;

std::vector<Bytes> messages(const fuzz::Input& in) {
  std::vector<Bytes> out;
  size_t from = 0;
  for (size_t k = 0; k <= in.cuts.size(); ++k) {
    const size_t to = k < in.cuts.size() ? in.cuts[k] : in.stream.size();
    out.emplace_back(in.stream.begin() + static_cast<std::ptrdiff_t>(from),
                     in.stream.begin() + static_cast<std::ptrdiff_t>(to));
    from = to;
  }
  return out;
}

// zlib's raw inflate of one message with the tail restored (RFC 7692 7.2.2).
Bytes zlib_inflate(z_stream& z, Bytes data) {
  data.insert(data.end(), {0x00, 0x00, 0xff, 0xff});
  Bytes out;
  z.next_in = data.data();
  z.avail_in = static_cast<uInt>(data.size());
  uint8_t buf[4096];
  for (;;) {
    z.next_out = buf;
    z.avail_out = sizeof buf;
    const int r = inflate(&z, Z_SYNC_FLUSH);
    FUZZ_CHECK(r == Z_OK || r == Z_BUF_ERROR);
    out.insert(out.end(), buf, buf + (sizeof buf - z.avail_out));
    if (z.avail_out != 0) break;
  }
  FUZZ_CHECK(z.avail_in == 0);
  return out;
}

// zlib's raw deflate of one message, sync flushed, tail removed (RFC 7692 7.2.1).
Bytes zlib_deflate(z_stream& z, const Bytes& message) {
  Bytes out(deflateBound(&z, message.size()) + 64);
  z.next_in = const_cast<Bytef*>(message.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  z.avail_in = static_cast<uInt>(message.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  const int r = deflate(&z, Z_SYNC_FLUSH);
  FUZZ_CHECK(r == Z_OK || (r == Z_BUF_ERROR && message.empty()));
  FUZZ_CHECK(z.avail_in == 0 && z.avail_out != 0);
  out.resize(out.size() - z.avail_out);
  if (out.size() >= 4 && Bytes(out.end() - 4, out.end()) == Bytes{0x00, 0x00, 0xff, 0xff}) {
    out.resize(out.size() - 4);
  }
  return out;
}

// zlib's streams, the reference, made once per window size and reset for each input: making
// them anew cost each input a few large allocations (under ASan: fresh pages, the quarantine's
// churn), and memLevel 8 a 64 KiB clear of the hash table on each reset. memLevel sizes only the
// hash table and the block buffer (blocks of 128 symbols at 1): the stream is raw deflate all the
// same, with more, smaller blocks for our Inflater to read.
struct Reference {
  z_stream zin{};
  z_stream zout[8]{};  // by window bits - 8
  bool made[8]{};
  Reference() { FUZZ_CHECK(inflateInit2(&zin, -15) == Z_OK); }
  ~Reference() {
    inflateEnd(&zin);
    for (int i = 0; i < 8; ++i) {
      if (made[i]) deflateEnd(&zout[i]);
    }
  }
  Reference(const Reference&) = delete;
  Reference& operator=(const Reference&) = delete;

  z_stream& inflater(uint8_t bits) {
    FUZZ_CHECK(inflateReset2(&zin, -bits) == Z_OK);  // inflating takes 8 as it is
    return zin;
  }
  z_stream& deflater(uint8_t bits, int level) {
    z_stream& z = zout[bits - 8];
    if (!made[bits - 8]) {
      // zlib takes 9 for 8 in raw deflate (see deflate.cpp).
      FUZZ_CHECK(deflateInit2(&z, level, Z_DEFLATED, -std::max<int>(bits, 9), 1,
                              Z_DEFAULT_STRATEGY) == Z_OK);
      made[bits - 8] = true;
    } else {
      FUZZ_CHECK(deflateReset(&z) == Z_OK);
      FUZZ_CHECK(deflateParams(&z, level, Z_DEFAULT_STRATEGY) == Z_OK);
    }
    return z;
  }
};

void round_trips(const fuzz::Input& in) {
  const uint8_t bits = static_cast<uint8_t>(8 + (in.config & 7));
  const bool reset = (in.config & 0x08) != 0;
  const int level = (in.config >> 4) & 3;  // 0 (stored) .. 3
  const codec::DeflateDirection dir{bits, reset};

  // Ours, like zlib's, made once and reset for each input (reset() starts them over as new ones
  // would): making them anew cost each input some 400 KiB of allocations (the Inflater's state,
  // chunk and history; the Deflater's stream and a level buffer of up to 148 KiB, mapped and
  // unmapped each time under ASan).
  thread_local codec::Deflater ours_out(dir, level);
  thread_local codec::Inflater ours_in(dir);
  ours_out.reset(dir, level);
  ours_in.reset(dir);
  thread_local Reference reference;
  z_stream& zin = reference.inflater(bits);
  z_stream& zout = reference.deflater(bits, level);
  for (const Bytes& m : messages(in)) {
    Bytes ours;
    ours_out.compress(m, ours);
    FUZZ_CHECK(zlib_inflate(zin, ours) == m);
    const Bytes theirs = zlib_deflate(zout, m);
    const auto back = codec::inflate_message(ours_in, theirs);
    FUZZ_CHECK(back && *back == m);
    if (reset) {
      inflateReset(&zin);
      deflateReset(&zout);
    }
  }
}

struct Transcript {
  std::vector<std::string> events;
  size_t largest_message = 0;
};

Transcript read(const codec::ReaderOptions& o, const Bytes& stream, bool byte_by_byte) {
  // One reader for every read, reset to the options (as Reader(o) would be): it keeps its
  // inflater's memory instead of allocating it twice per input.
  thread_local codec::Reader r;
  r.reset(o);
  Transcript t;
  const auto take = [&] {
    for (auto& e : r.take_events()) {
      if (auto* m = std::get_if<codec::MessageEvent>(&e)) {
        t.largest_message = std::max(t.largest_message, m->data.size());
        t.events.push_back("message " + std::string(m->text()) + (m->compressed ? "+" : "-"));
      } else if (auto* f = std::get_if<codec::FailureEvent>(&e)) {
        t.events.emplace_back(codec::rule_name(f->error.rule));
      }
    }
  };
  if (byte_by_byte) {
    // One byte at a time over a window of the stream (all of a small one, fuzz::byte_window),
    // the rest in one read before and after it.
    const auto [from, to] = fuzz::byte_window(stream);
    r.feed(std::span(stream).first(from));
    take();
    for (size_t i = from; i < to; ++i) {
      r.feed(std::span(stream).subspan(i, 1));
      take();
    }
    r.feed(std::span(stream).subspan(to));
  } else {
    r.feed(stream);
  }
  take();
  // What the read allocated (the copy of the input, the events' storage) goes within this input:
  // libFuzzer takes an input that ends holding more blocks than it started with for a leak and
  // runs it again under LeakSanitizer.
  r.reset(o);
  return t;
}

void inflates_arbitrary_data(const fuzz::Input& in) {
  codec::ReaderOptions o;
  o.role = codec::Role::client;
  o.max_message_size = uint64_t{16} << (in.config & 0xF);  // 16 B .. 512 KiB
  o.deflate = codec::DeflateAgreement{};
  o.deflate->server_max_window_bits = static_cast<uint8_t>(15 - ((in.config >> 4) & 1) * 6);
  const bool text = (in.config & 0x20) != 0;

  // The compressed data in frames cut at the read boundaries: RSV1 on the first frame only.
  Bytes stream;
  const auto parts = messages(in);
  for (size_t k = 0; k < parts.size(); ++k) {
    codec::FrameHeader h;
    h.fin = k + 1 == parts.size();
    h.opcode = k != 0 ? 0 : (text ? 1 : 2);
    h.rsv = k == 0 ? codec::rsv::rsv1 : 0;
    const Bytes f = codec::encode_frame(h, parts[k]);
    stream.insert(stream.end(), f.begin(), f.end());
  }

  fuzz::AllocGuard guard;
  const Transcript whole = read(o, stream, false);
  // The message grows to the limit at most, in a vector that may double; the rest is the copy
  // of the input, the events, and the inflater's own blocks (its state, output chunk and the
  // history it keeps across messages and BFINAL blocks, RFC 7692 7.2.3.4).
  const size_t bound = 2 * static_cast<size_t>(o.max_message_size) + 2 * stream.size() +
                       2 * stream.size() * sizeof(codec::ReaderEvent) +
                       codec::Inflater::largest_allocation() + 4096;
  FUZZ_CHECK(guard.largest() <= bound);
  FUZZ_CHECK(whole.largest_message <= o.max_message_size);
  FUZZ_CHECK(whole.events.size() <= 1);
  const Transcript pieces = read(o, stream, true);
  FUZZ_CHECK(whole.events == pieces.events);
}

void negotiates(const fuzz::Input& in) {
  codec::HttpHeaders h;
  h.add("Sec-WebSocket-Extensions",
        std::string_view(reinterpret_cast<const char*>(in.stream.data()), in.stream.size()));
  const auto offers = codec::parse_extensions(h);
  if (!offers) return;
  codec::DeflateServerConfig c;
  c.server_no_context_takeover = (in.config & 0x01) != 0;
  c.client_no_context_takeover = (in.config & 0x02) != 0;
  c.server_max_window_bits = (in.config & 0x04) != 0 ? 10 : 15;
  c.client_max_window_bits = (in.config & 0x08) != 0 ? 9 : 15;
  const auto accepted = codec::accept_deflate_offer(offers.value(), c);
  std::vector<codec::DeflateParameters> valid;
  for (const auto& e : offers.value()) {
    if (e.name != codec::deflate_extension_name) continue;
    if (auto p = codec::parse_deflate_parameters(e)) valid.push_back(p.value());
  }
  if (!accepted) return;
  FUZZ_CHECK(!valid.empty());
  // The answer reads back as what was meant, and a client that made the offers accepts it.
  codec::HttpHeaders answer;
  answer.add("Sec-WebSocket-Extensions", codec::format_extension(accepted->response));
  const auto reread = codec::parse_extensions(answer);
  FUZZ_CHECK(reread && reread->size() == 1 && reread->front() == accepted->response);
  const auto client = codec::accept_deflate_response(accepted->response, valid);
  FUZZ_CHECK(client.ok());
  const codec::DeflateAgreement& s = accepted->agreement;
  FUZZ_CHECK(client->server_no_context_takeover == s.server_no_context_takeover);
  FUZZ_CHECK(client->server_max_window_bits == s.server_max_window_bits);
  FUZZ_CHECK(s.server_max_window_bits <= c.server_max_window_bits);
  FUZZ_CHECK(client->client_max_window_bits <= s.client_max_window_bits);
  FUZZ_CHECK(!s.client_no_context_takeover || client->client_no_context_takeover);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  thread_local fuzz::Input in;  // its memory kept from one input to the next
  fuzz::split_input(data, size, in);
  switch (in.config >> 6) {
    case 0:
      round_trips(in);
      break;
    case 1:
      inflates_arbitrary_data(in);
      break;
    default:
      negotiates(in);
      break;
  }
  return 0;
}
