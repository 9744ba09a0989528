#pragma once
// A case in words, from its catalogue entry: what the tester sends step by step, what it expects
// back and how the connection must end. `wsprobe explain ID` prints it; the HTML report's case
// pages show it beside what happened.

#include <string>
#include <string_view>
#include <vector>

#include "engine/catalogue.hpp"

namespace wsprobe::harness {

// One line per step ("text frame 'Hello' (5 bytes), written 1 byte at a time").
std::vector<std::string> describe_steps(const Case& c);
// The events a conforming peer sends back, in order; "nothing" when none.
std::vector<std::string> describe_expected(const Expectations& events);
// How the connection must end, one sentence; `peer` is "the server" or "the client".
std::string describe_close(const Case& c, std::string_view peer);

// The whole explanation `wsprobe explain` prints: id and area, RFC section, requirement and
// sentence, what is sent, what is expected, the timeout and how to run it.
std::string explain_case(const Catalogue& catalogue, const Case& c);

}  // namespace wsprobe::harness
