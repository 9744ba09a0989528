#pragma once
// A case's payload: literal bytes, or a unit repeated to a size. A repeated payload is generated
// piece by piece as it is written or compared, so the catalogue never holds the 16 MiB messages
// of the limit cases (17.x) or of Autobahn's category 9; copies of either kind cost nothing (the
// literal bytes are shared), so frames planned from a case may keep their payload by value.

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace wsprobe::harness {

class Payload {
 public:
  Payload() = default;
  Payload(std::vector<uint8_t> bytes);  // NOLINT(google-explicit-constructor): a literal payload
  Payload(std::initializer_list<uint8_t> bytes) : Payload(std::vector<uint8_t>(bytes)) {}
  // `unit` repeated to `size` bytes, starting `phase` bytes into the unit.
  static Payload repeated(std::vector<uint8_t> unit, uint64_t size, size_t phase = 0);

  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] bool generated() const { return generated_; }
  // Generated: the repeated unit, as it starts at offset 0.
  [[nodiscard]] std::span<const uint8_t> unit() const;
  // Generated: where in the unit byte 0 falls.
  [[nodiscard]] size_t phase() const { return phase_; }

  // Bytes [offset, offset + out.size()) into `out`; the range must lie within the payload.
  void read(size_t offset, std::span<uint8_t> out) const;
  [[nodiscard]] uint8_t at(size_t offset) const;
  // Bytes [from, to) as a payload of the same kind (a generated slice stays generated).
  [[nodiscard]] Payload slice(size_t from, size_t to) const;
  // All of it as bytes: for literal payloads a copy, for generated ones the generation.
  [[nodiscard]] std::vector<uint8_t> bytes() const;
  // Literal payloads only: their bytes, in place.
  [[nodiscard]] std::span<const uint8_t> literal() const;
  // The bytes in place when they lie in one piece (a literal payload, or a generated one within
  // one unit, as most data-set windows of 12.x/13.x do); nothing otherwise.
  [[nodiscard]] std::optional<std::span<const uint8_t>> contiguous() const;

  // Content equality, whatever the kinds.
  friend bool operator==(const Payload& a, const Payload& b);

 private:
  std::shared_ptr<const std::vector<uint8_t>> bytes_;  // literal bytes, or the unit
  size_t size_ = 0;
  size_t phase_ = 0;  // generated: where in the unit byte 0 falls
  bool generated_ = false;
};

// Bytes as lowercase hex.
std::string hex_of(std::span<const uint8_t> bytes);
// SHA-256 of the content, as lowercase hex (catalogue dumps and reports name large payloads so).
std::string sha256_hex(const Payload& payload);

}  // namespace wsprobe::harness
