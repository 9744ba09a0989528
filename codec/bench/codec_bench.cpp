// Codec benchmarks. Each speed is judged against a baseline measured in the same run, named
// "<case>/<baseline>" beside "<case>/wsprobe" (ci/bench_summary.py prints the ratios and the
// floors): simdjson::validate_utf8 on the same buffers for UTF-8, memcpy of the same size for
// unmasking. Frame parsing and handshakes have no library to race, so they are held to fixed
// rates instead (50 M small frames/s, 2 M handshakes/s).

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "wsprobe/frame_parser.hpp"
#include "wsprobe/handshake.hpp"
#include "wsprobe/mask.hpp"
#include "wsprobe/utf8.hpp"

namespace {

using namespace wsprobe::codec;

void set_bytes(benchmark::State& state, size_t size) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(size));
}

// --- unmask vs memcpy ---
//
// Unmasking is in place; memcpy is not. To compare like with like, both walk the same ring of
// `ring` buffers of n bytes, one buffer per iteration: unmask XORs buffers[i] in place, memcpy
// copies buffers[i] into the buffer half a ring away. Each reads n bytes and writes n bytes per
// iteration, the ring's footprint is the same, and neither reads back what the previous
// iteration has just stored (a server unmasks bytes the kernel wrote long before; re-reading a
// buffer the previous call stored with overlapping windows measures store-forwarding stalls, not
// the copy). Small sizes use a ring of up to 64 buffers within 16 KiB, large ones a ring of 2.
size_t ring_size(size_t n) {
  return std::clamp<size_t>((16 << 10) / n, 2, 64);
}

// One allocation for the ring, buffers 64 bytes apart at least (cache-line aligned starts).
struct Ring {
  explicit Ring(size_t n)
      : size(ring_size(n)), stride((n + 63) / 64 * 64), bytes(size * stride + 64, 0x5a) {}
  uint8_t* operator[](size_t i) {
    const size_t misalignment = reinterpret_cast<uintptr_t>(bytes.data()) % 64;
    return bytes.data() + (64 - misalignment) % 64 + i * stride;
  }
  size_t size;
  size_t stride;
  std::vector<uint8_t> bytes;
};

void unmask_wsprobe(benchmark::State& state, size_t n) {
  Ring ring(n);
  const MaskKey key{1, 2, 3, 4};
  const size_t half = ring.size / 2;
  size_t i = 0;
  for (auto _ : state) {
    const size_t to = i < half ? i + half : i - half;  // as in unmask_memcpy; unused
    benchmark::DoNotOptimize(to);
    apply_mask(std::span(ring[i], n), key);
    benchmark::DoNotOptimize(ring[i]);
    benchmark::ClobberMemory();
    i = i + 1 == ring.size ? 0 : i + 1;
  }
  set_bytes(state, n);
}

void unmask_memcpy(benchmark::State& state, size_t n) {
  Ring ring(n);
  const size_t half = ring.size / 2;
  size_t i = 0;
  for (auto _ : state) {
    // The source was last written half a ring ago, the destination half a ring ahead.
    const size_t to = i < half ? i + half : i - half;
    benchmark::DoNotOptimize(to);
    std::memcpy(ring[to], ring[i], n);
    benchmark::DoNotOptimize(ring[to]);
    benchmark::ClobberMemory();
    i = i + 1 == ring.size ? 0 : i + 1;
  }
  set_bytes(state, n);
}

// --- UTF-8 vs simdjson ---

// Mixed text as issue 10 defines it: characters 50% 1-byte, 20% 2-byte, 25% 3-byte, 5% 4-byte,
// in random order; or ASCII letters.
std::string make_text(size_t bytes, bool ascii) {
  std::mt19937 rng(42);
  std::string s;
  const char* samples[] = {"a", "\xc2\xb5", "\xe4\xb8\xad", "\xf0\x9d\x84\x9e"};
  while (s.size() < bytes) {
    if (ascii) {
      s += static_cast<char>('a' + rng() % 26);
      continue;
    }
    const auto r = static_cast<unsigned>(rng() % 100);
    s += r < 50 ? samples[0] : r < 70 ? samples[1] : r < 95 ? samples[2] : samples[3];
  }
  return s;
}

// The whole buffer in one feed, as a message that arrived in one read.
void utf8_wsprobe(benchmark::State& state, size_t n, bool ascii) {
  const std::string text = make_text(n, ascii);
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  for (auto _ : state) {
    Utf8Validator v;
    benchmark::DoNotOptimize(v.feed(bytes));
    benchmark::DoNotOptimize(v.finish());
  }
  set_bytes(state, text.size());
}

void utf8_simdjson(benchmark::State& state, size_t n, bool ascii) {
  const std::string text = make_text(n, ascii);
  for (auto _ : state)
    benchmark::DoNotOptimize(simdjson::validate_utf8(text.data(), text.size()));
  set_bytes(state, text.size());
}

// The same buffer fed in 16 KiB reads that cut characters: what the incremental path costs
// (reported beside simdjson on the whole buffer, not held to a floor).
void utf8_wsprobe_reads(benchmark::State& state, size_t n) {
  const std::string text = make_text(n, false);
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  constexpr size_t read = (16 << 10) + 1;  // odd, so reads end inside characters
  for (auto _ : state) {
    Utf8Validator v;
    for (size_t at = 0; at < bytes.size(); at += read)
      benchmark::DoNotOptimize(v.feed(bytes.subspan(at, std::min(read, bytes.size() - at))));
    benchmark::DoNotOptimize(v.finish());
  }
  set_bytes(state, text.size());
}

// --- fixed rates ---

// Back-to-back 16-byte masked frames in one buffer, as a server receives them.
void small_frames_wsprobe(benchmark::State& state) {
  constexpr size_t frames = 4096;
  std::vector<uint8_t> stream;
  const std::vector<uint8_t> payload(16, 'x');
  for (size_t i = 0; i < frames; ++i) {
    const auto f = encode_frame(FrameHeader{true, 0, 0x2, true, {1, 2, 3, 4}, 0}, payload);
    stream.insert(stream.end(), f.begin(), f.end());
  }
  FrameParserOptions opts;
  opts.role = Role::server;
  for (auto _ : state) {
    // Unmasking is in place and its own inverse, so the same buffer parses again unchanged in
    // its headers; no per-iteration copy muddies the figure.
    FrameParser parser(opts);
    std::span<uint8_t> in(stream);
    size_t seen = 0;
    for (;;) {
      const FrameEvent ev = parser.next(in);
      if (ev.kind == FrameEvent::Kind::need_more) break;
      seen += ev.kind == FrameEvent::Kind::end ? 1 : 0;
    }
    benchmark::DoNotOptimize(seen);
  }
  state.counters["per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * frames), benchmark::Counter::kIsRate);
}

// A browser-like upgrade request: parse, validate, compute the accept value, build the 101.
void handshake_wsprobe(benchmark::State& state) {
  const std::string request =
      "GET /chat HTTP/1.1\r\n"
      "Host: server.example.com:8080\r\n"
      "Connection: keep-alive, Upgrade\r\n"
      "Pragma: no-cache\r\n"
      "Cache-Control: no-cache\r\n"
      "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/120.0 Safari/537.36\r\n"
      "Upgrade: websocket\r\n"
      "Origin: http://server.example.com:8080\r\n"
      "Sec-WebSocket-Version: 13\r\n"
      "Accept-Encoding: gzip, deflate, br\r\n"
      "Accept-Language: en-US,en;q=0.9\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
      "\r\n";
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(request.data()),
                                       request.size());
  for (auto _ : state) {
    HttpHeadParser parser(HttpKind::request);
    parser.feed(bytes);
    auto accepted = validate_request(parser.request());
    std::string response = build_accept_response(accepted.value());
    benchmark::DoNotOptimize(response.data());
  }
  state.counters["per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void register_all() {
  for (size_t n :
       {size_t{125}, size_t{1} << 10, size_t{16} << 10, size_t{1} << 20, size_t{64} << 20}) {
    const std::string c = "unmask/" + std::to_string(n);
    benchmark::RegisterBenchmark((c + "/wsprobe").c_str(), unmask_wsprobe, n);
    benchmark::RegisterBenchmark((c + "/memcpy").c_str(), unmask_memcpy, n);
  }
  for (bool ascii : {false, true}) {
    for (size_t n : {size_t{64} << 10, size_t{4} << 20}) {
      const std::string c = std::string(ascii ? "utf8_ascii/" : "utf8_mixed/") + std::to_string(n);
      benchmark::RegisterBenchmark((c + "/wsprobe").c_str(), utf8_wsprobe, n, ascii);
      benchmark::RegisterBenchmark((c + "/simdjson").c_str(), utf8_simdjson, n, ascii);
    }
  }
  benchmark::RegisterBenchmark("utf8_mixed_16k_reads/4194304/wsprobe", utf8_wsprobe_reads,
                               size_t{4} << 20);
  benchmark::RegisterBenchmark("small_frames/wsprobe", small_frames_wsprobe);
  benchmark::RegisterBenchmark("handshakes/wsprobe", handshake_wsprobe);
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
