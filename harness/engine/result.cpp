#include "engine/result.hpp"

namespace wsprobe::harness {

std::string_view to_string(Behavior b) {
  switch (b) {
    case Behavior::ok:
      return "OK";
    case Behavior::non_strict:
      return "NON-STRICT";
    case Behavior::informational:
      return "INFORMATIONAL";
    case Behavior::unimplemented:
      return "UNIMPLEMENTED";
    case Behavior::failed:
      break;
  }
  return "FAILED";
}

std::string_view to_string(CloseBehavior b) {
  switch (b) {
    case CloseBehavior::ok:
      return "OK";
    case CloseBehavior::wrong_code:
      return "WRONG CODE";
    case CloseBehavior::unclean:
      return "UNCLEAN";
    case CloseBehavior::failed_by_client:
      return "FAILED BY CLIENT";
    case CloseBehavior::informational:
      return "INFORMATIONAL";
    case CloseBehavior::failed:
      break;
  }
  return "FAILED";
}

bool CaseResult::failed() const {
  return behavior == Behavior::failed || behavior_close == CloseBehavior::failed ||
         behavior_close == CloseBehavior::wrong_code || behavior_close == CloseBehavior::unclean;
}

bool CaseResult::non_ok() const {
  auto fine = [](auto v, auto ok, auto info) { return v == ok || v == info; };
  return !fine(behavior, Behavior::ok, Behavior::informational) ||
         !fine(behavior_close, CloseBehavior::ok, CloseBehavior::informational);
}

void add_note(CaseResult& r, std::string text) {
  r.log.push_back({static_cast<double>(r.duration_ms), '*', std::move(text)});
}

std::string_view headline(const CaseResult& r) {
  return r.failed() ? to_string(Behavior::failed) : to_string(r.behavior);
}

}  // namespace wsprobe::harness
