#include "engine/payload.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

namespace wsprobe::harness {
namespace {

// Walks a payload in chunks of at most 64 KiB, generated ones without holding more than a chunk.
template <typename F>
void for_each_chunk(const Payload& p, F&& f) {
  if (!p.generated()) {
    f(p.literal());
    return;
  }
  std::vector<uint8_t> chunk(std::min<size_t>(p.size(), size_t{64} << 10));
  for (size_t at = 0; at < p.size(); at += chunk.size()) {
    const auto piece = std::span(chunk).first(std::min(chunk.size(), p.size() - at));
    p.read(at, piece);
    f(std::span<const uint8_t>(piece));
  }
}

}  // namespace

Payload::Payload(std::vector<uint8_t> bytes)
    : bytes_(std::make_shared<const std::vector<uint8_t>>(std::move(bytes))),
      size_(bytes_->size()) {}

Payload Payload::repeated(std::vector<uint8_t> unit, uint64_t size, size_t phase) {
  Payload p;
  if (unit.empty() || size == 0) return p;
  p.size_ = static_cast<size_t>(size);
  p.phase_ = phase % unit.size();
  p.bytes_ = std::make_shared<const std::vector<uint8_t>>(std::move(unit));
  p.generated_ = true;
  return p;
}

std::span<const uint8_t> Payload::unit() const {
  return generated_ ? std::span<const uint8_t>(*bytes_) : std::span<const uint8_t>();
}

std::optional<std::span<const uint8_t>> Payload::contiguous() const {
  if (!generated_) return literal();
  const size_t at = phase_ % bytes_->size();
  if (at + size_ > bytes_->size()) return std::nullopt;
  return std::span<const uint8_t>(*bytes_).subspan(at, size_);
}

std::span<const uint8_t> Payload::literal() const {
  if (generated_) throw std::logic_error("Payload::literal on a generated payload");
  return bytes_ ? std::span<const uint8_t>(*bytes_) : std::span<const uint8_t>();
}

void Payload::read(size_t offset, std::span<uint8_t> out) const {
  if (offset > size_ || out.size() > size_ - offset)
    throw std::out_of_range("Payload::read past the end");
  if (out.empty()) return;
  if (!generated_) {
    std::memcpy(out.data(), bytes_->data() + offset, out.size());
    return;
  }
  // One unit's worth (the unit from `at`, wrapping at most once), then doubling copies: a few
  // memcpy calls per piece.
  const auto& u = *bytes_;
  const size_t at = (phase_ + offset) % u.size();
  const size_t first = std::min(out.size(), u.size());
  const size_t head = std::min(first, u.size() - at);
  std::memcpy(out.data(), u.data() + at, head);
  std::memcpy(out.data() + head, u.data(), first - head);
  // Past one unit, `have` is a whole number of units, so out[have + i] == out[i].
  for (size_t have = first; have < out.size();) {
    const size_t n = std::min(have, out.size() - have);
    std::memcpy(out.data() + have, out.data(), n);
    have += n;
  }
}

uint8_t Payload::at(size_t offset) const {
  uint8_t b = 0;
  read(offset, std::span(&b, 1));
  return b;
}

Payload Payload::slice(size_t from, size_t to) const {
  if (from > to || to > size_) throw std::out_of_range("Payload::slice past the end");
  if (generated_) {
    // The unit is shared, not copied: a window into a data set costs nothing (RFC 7692 cases
    // send 1000 windows of a 1 MB data set).
    Payload p;
    if (to == from) return p;
    p.bytes_ = bytes_;
    p.size_ = to - from;
    p.phase_ = (phase_ + from) % bytes_->size();
    p.generated_ = true;
    return p;
  }
  return Payload(std::vector<uint8_t>(bytes_->begin() + static_cast<long>(from),
                                      bytes_->begin() + static_cast<long>(to)));
}

std::vector<uint8_t> Payload::bytes() const {
  if (!generated_) return bytes_ ? *bytes_ : std::vector<uint8_t>();
  std::vector<uint8_t> out(size_);
  read(0, out);
  return out;
}

bool operator==(const Payload& a, const Payload& b) {
  if (a.size() != b.size()) return false;
  // The same bytes at the same place (a case's expected payload kept as the echo that matched it).
  if (a.bytes_ == b.bytes_ && a.phase_ == b.phase_ && a.generated_ == b.generated_) return true;
  if (!a.generated() && !b.generated())
    return a.empty() || std::memcmp(a.literal().data(), b.literal().data(), a.size()) == 0;
  const Payload& lit = a.generated() ? b : a;  // compare the other against it piece by piece
  const Payload& gen = a.generated() ? a : b;
  size_t at = 0;
  bool same = true;
  std::vector<uint8_t> mine;
  for_each_chunk(lit, [&](std::span<const uint8_t> piece) {
    for (size_t off = 0; same && off < piece.size(); off += size_t{64} << 10) {
      const size_t n = std::min(piece.size() - off, size_t{64} << 10);
      mine.resize(n);
      gen.read(at + off, mine);
      same = std::memcmp(mine.data(), piece.data() + off, n) == 0;
    }
    at += piece.size();
  });
  return same;
}

std::string sha256_hex(const Payload& payload) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for_each_chunk(payload, [&](std::span<const uint8_t> piece) {
    EVP_DigestUpdate(ctx, piece.data(), piece.size());
  });
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md.data(), &len);
  EVP_MD_CTX_free(ctx);
  return hex_of(std::span(md).first(len));
}

std::string hex_of(std::span<const uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0xF];
  }
  return out;
}

}  // namespace wsprobe::harness
