// Codec benchmarks. Speed targets are ratios against baselines measured in the same run
// (memcpy beside unmask), never absolute numbers: this is a shared 2-vCPU VM.

#include <benchmark/benchmark.h>

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

void BM_unmask(benchmark::State& state) {
  std::vector<uint8_t> buf(static_cast<size_t>(state.range(0)), 0x5a);
  const MaskKey key{1, 2, 3, 4};
  for (auto _ : state) {
    apply_mask(buf, key);
    benchmark::DoNotOptimize(buf.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_unmask)->Arg(125)->Arg(1 << 10)->Arg(16 << 10)->Arg(1 << 20)->Arg(64 << 20);

// The baseline: a copy of the same size, cache-resident like the unmask buffer.
void BM_memcpy(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> src(n, 0x5a);
  std::vector<uint8_t> dst(n);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), n);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_memcpy)->Arg(125)->Arg(1 << 10)->Arg(16 << 10)->Arg(1 << 20)->Arg(64 << 20);

// Mixed text as perf-anchors.md defines it: characters 50% 1-byte, 20% 2-byte, 25% 3-byte,
// 5% 4-byte, in random order.
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

void utf8_bench(benchmark::State& state, bool ascii) {
  const std::string text = make_text(static_cast<size_t>(state.range(0)), ascii);
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  for (auto _ : state) {
    Utf8Validator v;
    benchmark::DoNotOptimize(v.feed(bytes));
    benchmark::DoNotOptimize(v.finish());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
}
void BM_utf8_ascii(benchmark::State& state) {
  utf8_bench(state, true);
}
void BM_utf8_mixed(benchmark::State& state) {
  utf8_bench(state, false);
}
BENCHMARK(BM_utf8_ascii)->Arg(64 << 10)->Arg(16 << 20);
BENCHMARK(BM_utf8_mixed)->Arg(64 << 10)->Arg(16 << 20);

// Back-to-back 16-byte masked frames in one buffer, as a server receives them.
void BM_parse_small_frames(benchmark::State& state) {
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
  state.counters["frames/s"] = benchmark::Counter(static_cast<double>(state.iterations() * frames),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_parse_small_frames);

// A browser-like upgrade request: parse, validate, compute the accept value, build the 101.
void BM_handshake_parse_accept(benchmark::State& state) {
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
  state.counters["handshakes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_handshake_parse_accept);

}  // namespace

BENCHMARK_MAIN();
