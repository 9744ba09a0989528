// Handshake stress (robustness 20.7): the head made as it is written.
#include "engine/stressed_request.hpp"

#include <gtest/gtest.h>

namespace wsprobe::harness {
namespace {

const std::string head = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

std::string whole(StressedHead& h) {
  std::string out;
  for (auto piece = h.next(); !piece.empty(); piece = h.next())
    out.append(piece.begin(), piece.end());
  return out;
}

HandshakeSpec fill(size_t lines, size_t size) {
  HandshakeSpec spec;
  spec.fill_lines = lines;
  spec.fill_line_size = size;
  return spec;
}

TEST(StressedHead, SplicesItsLinesBeforeTheEmptyLineWhateverThePieceSize) {
  const std::string expected =
      "GET / HTTP/1.1\r\nHost: x\r\nX-Fill-1: aaaaaaaaa\r\nX-Fill-2: aaaaaaaaa\r\n"
      "X-Fill-3: aaaaaaaaa\r\n\r\n";
  for (const size_t piece : {1, 7, 20, 4096}) {
    StressedHead h(head, fill(3, 21), piece);
    EXPECT_EQ(h.size(), expected.size());
    EXPECT_EQ(whole(h), expected) << "pieces of " << piece;
  }
}

TEST(StressedHead, NumbersEveryLineToOneWidthSoAllHaveTheirSize) {
  StressedHead h(head, fill(12, 16), 5);
  const std::string out = whole(h);
  EXPECT_NE(out.find("\r\nX-Fill-01: aaa\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nX-Fill-12: aaa\r\n"), std::string::npos);
  EXPECT_EQ(out.size(), head.size() + 12 * 16);
  EXPECT_TRUE(out.ends_with("X-Fill-12: aaa\r\n\r\n"));
}

TEST(StressedHead, HandsOutPiecesOfAtMostItsPieceSize) {
  StressedHead h(head, fill(1, size_t{1} << 20), 65536);
  size_t pieces = 0;
  size_t total = 0;
  for (auto piece = h.next(); !piece.empty(); piece = h.next()) {
    EXPECT_LE(piece.size(), 65536U);
    total += piece.size();
    ++pieces;
  }
  EXPECT_EQ(total, head.size() + (size_t{1} << 20));
  EXPECT_EQ(pieces, 17U);  // 1 MiB and the head's 27 bytes
}

TEST(PaddedTarget, ReachesItsSizeWithOneMoreQueryParameter) {
  EXPECT_EQ(padded_target("/", 12), "/?fill=aaaaa");
  EXPECT_EQ(padded_target("/chat?room=1", 20), "/chat?room=1&fill=aa");
  EXPECT_EQ(padded_target("/long/path", 4), "/long/path");  // already as long
  EXPECT_EQ(padded_target("/", 65536).size(), 65536U);
}

}  // namespace
}  // namespace wsprobe::harness
