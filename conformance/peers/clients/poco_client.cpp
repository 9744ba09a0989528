// Autobahn fuzzingserver client on POCO Net 1.11 (Debian's libpoco-dev). Limit 1 MiB. POCO's API
// is frame by frame: the shim joins fragments and answers pings and the close itself, as the
// server shim (peers/poco/echo_server.cpp) does.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>

#include <algorithm>

#include "fuzzing_client.hpp"

using Poco::Net::WebSocket;

int main(int argc, char** argv) {
  return fuzzing_client::run(argc, argv, [](const std::string& url, bool echo) {
    std::vector<std::string> got;
    const auto parts = fuzzing_client::split(url);
    try {
      Poco::Net::HTTPClientSession session(parts.host,
                                           static_cast<Poco::UInt16>(std::stoi(parts.port)));
      Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, parts.target,
                                     Poco::Net::HTTPMessage::HTTP_1_1);
      Poco::Net::HTTPResponse response;
      WebSocket ws(session, request, response);
      ws.setMaxPayloadSize(1 << 20);
      std::vector<char> buffer(1 << 20);
      std::string message;
      int message_op = 0;
      int flags = 0;
      for (;;) {
        const int n = ws.receiveFrame(buffer.data(), static_cast<int>(buffer.size()), flags);
        const int opcode = flags & WebSocket::FRAME_OP_BITMASK;
        if (n <= 0 && flags == 0) break;  // the server closed the connection
        if (opcode == WebSocket::FRAME_OP_CLOSE) {
          ws.sendFrame(buffer.data(), n > 1 ? 2 : 0,
                       WebSocket::FRAME_FLAG_FIN | WebSocket::FRAME_OP_CLOSE);
          break;
        }
        if (opcode == WebSocket::FRAME_OP_PING) {
          ws.sendFrame(buffer.data(), n, WebSocket::FRAME_FLAG_FIN | WebSocket::FRAME_OP_PONG);
          continue;
        }
        if (opcode == WebSocket::FRAME_OP_PONG) continue;
        if (opcode != WebSocket::FRAME_OP_CONT) {
          message.clear();
          message_op = opcode;
        }
        message.append(buffer.data(), static_cast<size_t>(std::max(n, 0)));
        if ((flags & WebSocket::FRAME_FLAG_FIN) == 0) continue;
        if (!echo)
          got.push_back(message);
        else
          ws.sendFrame(message.data(), static_cast<int>(message.size()),
                       WebSocket::FRAME_FLAG_FIN | message_op);
      }
    } catch (const Poco::Exception&) {
      // a refused handshake or a protocol error: POCO drops the connection
    }
    return got;
  });
}
