#pragma once
// The opening handshake (RFC 6455 4.1, 4.2, 4.4), all of it: the key and accept values, the
// negotiation headers' grammar, the server's side and the client's side.

#include "wsprobe/accept_key.hpp"        // IWYU pragma: export
#include "wsprobe/client_handshake.hpp"  // IWYU pragma: export
#include "wsprobe/extension_header.hpp"  // IWYU pragma: export
#include "wsprobe/server_handshake.hpp"  // IWYU pragma: export
