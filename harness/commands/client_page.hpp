#pragma once
// The page `wsprobe test-client` serves at "/" to browsers: its script runs Autobahn's client
// protocol with the browser's own WebSocket API, so the browser is the client under test
// (harness/commands/client_page.html, embedded at build time by client_page.cmake).

#include <string_view>

#include "net/transport.hpp"
#include "wsprobe/server_handshake.hpp"

namespace wsprobe::harness {

// The page's HTML, as embedded.
std::string_view client_page_html();

// A complete plain HTTP GET (no upgrade asked, RFC 6455 4.2.1) of "/", with or without a query:
// the request the page answers. Any other plain request keeps its 4xx.
bool is_client_page_request(const codec::ServerHandshake& handshake);

// Writes the page as a 200 text/html response; the caller then closes the connection.
void serve_client_page(Transport& transport, Clock::time_point deadline);

}  // namespace wsprobe::harness
