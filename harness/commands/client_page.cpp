#include "commands/client_page.hpp"

#include <cstdint>
#include <string>

#include "wsprobe/http.hpp"

namespace wsprobe::harness {

bool is_client_page_request(const codec::ServerHandshake& handshake) {
  if (handshake.status() != codec::HandshakeStatus::complete ||
      handshake.kind() != codec::RequestKind::plain_http) {
    return false;
  }
  const auto& request = handshake.request();
  const std::string_view target = request.target;
  return request.method == "GET" && target.substr(0, target.find('?')) == "/";
}

void serve_client_page(Transport& transport, Clock::time_point deadline) {
  // no-store: a browser tested again after an upgrade of wsprobe runs the page of that build.
  const std::string response =
      codec::serialize_response({200},
                                {{"Content-Type", "text/html; charset=utf-8"},
                                 {"Cache-Control", "no-store"},
                                 {"Connection", "close"}},
                                client_page_html());
  (void)transport.write({reinterpret_cast<const uint8_t*>(response.data()), response.size()},
                        deadline);
}

}  // namespace wsprobe::harness
