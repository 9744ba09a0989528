// Echo server on Boost.Beast 1.74 (Debian's libboost-dev), one thread per connection, as Beast's
// own websocket_server_sync example. Prints the readiness line. With WSPROBE_PEER_DEFLATE=1 (the
// panel's deflate run) it accepts permessage-deflate (RFC 7692) with Beast's defaults.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

void session(tcp::socket socket, bool deflate) {
  try {
    websocket::stream<tcp::socket> ws{std::move(socket)};
    ws.read_message_max(1 << 25);
    if (deflate) {
      websocket::permessage_deflate opt;
      opt.server_enable = true;
      ws.set_option(opt);
    }
    ws.accept();
    for (;;) {
      beast::flat_buffer buffer;
      ws.read(buffer);
      ws.text(ws.got_text());
      ws.write(buffer.data());
    }
  } catch (const std::exception&) {
    // the connection ended or failed
  }
}

int main(int argc, char** argv) {
  const char* env = std::getenv("WSPROBE_PEER_DEFLATE");
  const bool deflate = env != nullptr && std::strcmp(env, "1") == 0;
  boost::asio::io_context ioc{1};
  const auto port = static_cast<unsigned short>(argc > 1 ? std::atoi(argv[1]) : 0);
  tcp::acceptor acceptor{ioc, {boost::asio::ip::make_address("127.0.0.1"), port}};
  std::printf("listening on ws://127.0.0.1:%u/\n",
              static_cast<unsigned>(acceptor.local_endpoint().port()));
  (void)std::fflush(stdout);
  for (;;) {
    tcp::socket socket{ioc};
    acceptor.accept(socket);
    std::thread(session, std::move(socket), deflate).detach();
  }
}
