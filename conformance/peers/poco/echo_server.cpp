// Echo server on POCO Net 1.11 (Debian's libpoco-dev). Prints the readiness line.
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/WebSocket.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

using namespace Poco::Net;

class Echo : public HTTPRequestHandler {
 public:
  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    try {
      WebSocket ws(request, response);
      ws.setMaxPayloadSize(1 << 25);
      std::vector<char> buffer(1 << 25);
      std::string message;  // POCO's API is frame by frame: the shim joins fragments
      int message_op = 0;
      int flags = 0;
      for (;;) {
        const int n = ws.receiveFrame(buffer.data(), static_cast<int>(buffer.size()), flags);
        const int opcode = flags & WebSocket::FRAME_OP_BITMASK;
        if (n <= 0 && flags == 0) return;  // the peer closed the connection
        if (opcode == WebSocket::FRAME_OP_CLOSE) {
          ws.sendFrame(buffer.data(), n > 1 ? 2 : 0,
                       WebSocket::FRAME_FLAG_FIN | WebSocket::FRAME_OP_CLOSE);
          return;
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
        if ((flags & WebSocket::FRAME_FLAG_FIN) != 0) {
          ws.sendFrame(message.data(), static_cast<int>(message.size()),
                       WebSocket::FRAME_FLAG_FIN | message_op);
        }
      }
    } catch (const Poco::Exception&) {
      // a handshake or protocol error: POCO drops the connection
    }
  }
};

class Factory : public HTTPRequestHandlerFactory {
 public:
  HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override { return new Echo; }
};

int main(int argc, char** argv) {
  const auto port = static_cast<Poco::UInt16>(argc > 1 ? std::atoi(argv[1]) : 0);
  ServerSocket socket(SocketAddress("127.0.0.1", port));
  auto* params = new HTTPServerParams;
  params->setMaxThreads(16);
  HTTPServer server(new Factory, socket, params);
  server.start();
  std::printf("listening on ws://127.0.0.1:%u/\n", static_cast<unsigned>(socket.address().port()));
  (void)std::fflush(stdout);
  for (;;)
    std::this_thread::sleep_for(std::chrono::hours(1));
}
