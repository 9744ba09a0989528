// Autobahn fuzzingserver client on websocketpp 0.8 (Debian's libwebsocketpp-dev, over Boost.Asio).
// Limit 1 MiB. One endpoint; each connection runs the io loop until it is closed. Offers
// permessage-deflate (RFC 7692) through websocketpp's permessage_deflate::enabled extension (the
// stock configs have it disabled; it links zlib), as its examples/testee_client does.
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>
#include <websocketpp/extensions/permessage_deflate/enabled.hpp>

#include "fuzzing_client.hpp"

struct DeflateConfig : websocketpp::config::asio_client {
  struct permessage_deflate_config {};
  using permessage_deflate_type =
      websocketpp::extensions::permessage_deflate::enabled<permessage_deflate_config>;
};

using Client = websocketpp::client<DeflateConfig>;

int main(int argc, char** argv) {
  Client client;
  client.clear_access_channels(websocketpp::log::alevel::all);
  client.clear_error_channels(websocketpp::log::elevel::all);
  client.init_asio();
  client.set_max_message_size(1 << 20);
  bool echo = false;
  std::vector<std::string> got;
  client.set_message_handler([&](websocketpp::connection_hdl hdl, Client::message_ptr msg) {
    if (!echo) {
      got.push_back(msg->get_payload());
      return;
    }
    websocketpp::lib::error_code ec;
    client.send(hdl, msg->get_payload(), msg->get_opcode(), ec);
  });
  return fuzzing_client::run(argc, argv, [&](const std::string& url, bool e) {
    echo = e;
    got.clear();
    websocketpp::lib::error_code ec;
    auto connection = client.get_connection(url, ec);
    if (ec) return got;
    client.connect(connection);
    client.run();  // returns once the connection is closed: nothing else keeps the loop busy
    client.reset();
    return got;
  });
}
