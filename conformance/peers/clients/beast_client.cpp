// Autobahn fuzzingserver client on Boost.Beast (Debian's libboost-dev), synchronous. Limit 1 MiB.
// Offers permessage-deflate (RFC 7692): Beast does only with permessage_deflate::client_enable.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "fuzzing_client.hpp"

namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;

int main(int argc, char** argv) {
  boost::asio::io_context io;
  return fuzzing_client::run(argc, argv, [&io](const std::string& url, bool echo) {
    std::vector<std::string> got;
    const auto parts = fuzzing_client::split(url);
    try {
      beast::websocket::stream<tcp::socket> ws(io);
      tcp::resolver resolver(io);
      boost::asio::connect(ws.next_layer(), resolver.resolve(parts.host, parts.port));
      ws.read_message_max(1 << 20);
      beast::websocket::permessage_deflate deflate;
      deflate.client_enable = true;
      ws.set_option(deflate);
      ws.handshake(parts.host + ":" + parts.port, parts.target);
      for (;;) {
        beast::flat_buffer buffer;
        ws.read(buffer);
        if (!echo) {
          got.push_back(beast::buffers_to_string(buffer.data()));
          continue;
        }
        ws.text(ws.got_text());
        ws.write(buffer.data());
      }
    } catch (const std::exception&) {
      // websocket::error::closed after the closing handshake, or the failed connection
    }
    return got;
  });
}
