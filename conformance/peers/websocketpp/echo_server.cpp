// Echo server on websocketpp 0.8 (Debian's libwebsocketpp-dev, over Boost.Asio). Prints the
// readiness line.
#include <cstdio>
#include <cstdlib>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

using Server = websocketpp::server<websocketpp::config::asio>;

int main(int argc, char** argv) {
  Server server;
  server.clear_access_channels(websocketpp::log::alevel::all);
  server.clear_error_channels(websocketpp::log::elevel::all);
  server.init_asio();
  server.set_reuse_addr(true);
  server.set_max_message_size(1 << 25);
  server.set_message_handler([&server](websocketpp::connection_hdl hdl, Server::message_ptr msg) {
    websocketpp::lib::error_code ec;
    server.send(hdl, msg->get_payload(), msg->get_opcode(), ec);
  });
  const auto port = static_cast<uint16_t>(argc > 1 ? std::atoi(argv[1]) : 0);
  server.listen(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  server.start_accept();
  websocketpp::lib::asio::error_code ec;
  const auto bound = server.get_local_endpoint(ec);
  std::printf("listening on ws://127.0.0.1:%u/\n", static_cast<unsigned>(bound.port()));
  (void)std::fflush(stdout);
  server.run();
}
