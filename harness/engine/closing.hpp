#pragma once
// The end of a case, with Autobahn's timers (autobahn-cases.md 2.6): wait for the expected
// events or for the peer to fail the connection (the kill timer), start our closing handshake
// (1000 when the case is done, 1001 when the kill timer fired), wait for the peer's close frame
// (closeHandshakeTimeout; past it, TCP is dropped and the close is unclean), then for the server
// to close TCP (serverConnectionDropTimeout, RFC 6455 7.1.1), or as the server close it ourselves.
// Every timer that fires is recorded: a verdict it decided is confirmed before it is reported.

#include "engine/catalogue.hpp"
#include "engine/conversation.hpp"

namespace wsprobe::harness {

// Autobahn 0.10.9's protocol timeouts, before scaling.
inline constexpr double close_handshake_timeout = 1.0;
inline constexpr double server_drop_timeout = 1.0;

void finish(const Case& c, bool tester_is_server, Conversation& conversation,
            const Receiver& receiver, Wire& wire, CaseResult& result);

}  // namespace wsprobe::harness
