#include "engine/stressed_request.hpp"

#include <algorithm>

namespace wsprobe::harness {
namespace {

constexpr std::string_view fill_name = "X-Fill-";

size_t digits(size_t n) {
  return std::to_string(n).size();
}

}  // namespace

std::string padded_target(const std::string& target, size_t size) {
  if (target.size() >= size) return target;
  // RFC 9112 3.2: origin-form is a path and an optional query; the padding is one more parameter.
  std::string t = target + (target.find('?') == std::string::npos ? "?fill=" : "&fill=");
  t.resize(std::max(size, t.size()), 'a');
  return t;
}

bool stressed(const HandshakeSpec& spec) {
  return spec.fill_lines > 0 || spec.target_size > 0;
}

uint64_t stressed_size(size_t head_size, const HandshakeSpec& spec) {
  return head_size + static_cast<uint64_t>(spec.fill_lines) * spec.fill_line_size;
}

StressedHead::StressedHead(std::string_view head, const HandshakeSpec& spec, size_t piece)
    : head_(head),
      lines_(spec.fill_lines),
      line_size_(spec.fill_line_size),
      piece_(piece),
      size_(stressed_size(head.size(), spec)) {
  buf_.reserve(piece_ + line_size_);
  if (lines_ > 0) {
    // "X-Fill-" NUMBER ": " 'a'... CRLF, NUMBER zero-padded to one width (the catalogue checked
    // that the size leaves room for a value).
    line_ = std::string(fill_name) + std::string(digits(lines_), '0') + ": ";
    line_.resize(line_size_ - 2, 'a');
    line_ += "\r\n";
  }
}

void StressedHead::append_line_bytes(size_t n, uint64_t offset) {
  const auto number = static_cast<size_t>(offset / line_size_);
  const auto within = static_cast<size_t>(offset % line_size_);
  if (number != line_number_) {
    std::string k = std::to_string(number + 1);
    k.insert(0, digits(lines_) - k.size(), '0');
    line_.replace(fill_name.size(), k.size(), k);
    line_number_ = number;
  }
  const auto bytes = std::string_view(line_).substr(within, n);
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

std::span<const uint8_t> StressedHead::next() {
  buf_.clear();
  // The head's last CRLF ends it: the lines go before it (RFC 9112 2.1).
  const uint64_t before = head_.size() - 2;
  const uint64_t fill_end = before + static_cast<uint64_t>(lines_) * line_size_;
  while (buf_.size() < piece_ && at_ < size_) {
    const size_t room = piece_ - buf_.size();
    std::string_view bytes;
    if (at_ < before) {
      bytes = head_.substr(static_cast<size_t>(at_), room);
      bytes = bytes.substr(0, static_cast<size_t>(before - at_));
    } else if (at_ < fill_end) {
      const uint64_t offset = at_ - before;
      const size_t n =
          std::min<size_t>(room, line_size_ - static_cast<size_t>(offset % line_size_));
      append_line_bytes(n, offset);
      at_ += n;
      continue;
    } else {
      bytes = head_.substr(static_cast<size_t>(at_ - fill_end + before), room);
    }
    buf_.insert(buf_.end(), bytes.begin(), bytes.end());
    at_ += bytes.size();
  }
  return buf_;
}

}  // namespace wsprobe::harness
