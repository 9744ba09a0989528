// Echo server on websocketpp 0.8 (Debian's libwebsocketpp-dev, over Boost.Asio). Prints the
// readiness line. With WSPROBE_PEER_DEFLATE=1 (the panel's deflate run) it serves on a config
// whose permessage_deflate_type is websocketpp's zlib extension (RFC 7692); otherwise on the
// stock config, whose extension is the disabled stub.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/extensions/permessage_deflate/enabled.hpp>
#include <websocketpp/server.hpp>

// The stock asio config with the zlib permessage-deflate extension in place of the disabled stub.
struct DeflateConfig : public websocketpp::config::asio {
  struct permessage_deflate_config : public websocketpp::config::asio::permessage_deflate_config {};
  using permessage_deflate_type =
      websocketpp::extensions::permessage_deflate::enabled<permessage_deflate_config>;
};

template <typename Config>
int serve(uint16_t port) {
  using Server = websocketpp::server<Config>;
  Server server;
  server.clear_access_channels(websocketpp::log::alevel::all);
  server.clear_error_channels(websocketpp::log::elevel::all);
  server.init_asio();
  server.set_reuse_addr(true);
  server.set_max_message_size(1 << 25);
  server.set_message_handler(
      [&server](websocketpp::connection_hdl hdl, typename Server::message_ptr msg) {
        websocketpp::lib::error_code ec;
        server.send(hdl, msg->get_payload(), msg->get_opcode(), ec);
      });
  server.listen(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  server.start_accept();
  websocketpp::lib::asio::error_code ec;
  const auto bound = server.get_local_endpoint(ec);
  std::printf("listening on ws://127.0.0.1:%u/\n", static_cast<unsigned>(bound.port()));
  (void)std::fflush(stdout);
  server.run();
  return 0;
}

int main(int argc, char** argv) {
  const auto port = static_cast<uint16_t>(argc > 1 ? std::atoi(argv[1]) : 0);
  const char* deflate = std::getenv("WSPROBE_PEER_DEFLATE");
  if (deflate != nullptr && std::strcmp(deflate, "1") == 0) {
    return serve<DeflateConfig>(port);
  }
  return serve<websocketpp::config::asio>(port);
}
