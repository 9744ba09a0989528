// Fuzz target: the incremental UTF-8 validator against a plain reference decoder, with the
// input's read boundaries. Oracle: same verdict and same failure offset (the first impossible
// byte, or the length for a truncated end), and the offset never exceeds the bytes fed.

#include "fuzz_support.hpp"
#include "wsprobe/utf8.hpp"

using namespace wsprobe;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Input in = fuzz::split_input(data, size);
  const std::span<const uint8_t> s(in.stream);
  const int64_t expected = fuzz::reference_utf8_failure(s);

  codec::Utf8Validator v;
  size_t from = 0;
  bool ok = true;
  for (size_t k = 0; k <= in.cuts.size() && ok; ++k) {
    const size_t to = k < in.cuts.size() ? in.cuts[k] : s.size();
    ok = v.feed(s.subspan(from, to - from));
    if (!ok) FUZZ_CHECK(*v.failure_offset() < to);  // failed within what was fed
    from = to;
  }
  if (ok) ok = v.finish();
  FUZZ_CHECK(ok == (expected == -1));
  if (!ok) FUZZ_CHECK(static_cast<int64_t>(*v.failure_offset()) == expected);
  FUZZ_CHECK(codec::is_valid_utf8(s) == (expected == -1));
  return 0;
}
