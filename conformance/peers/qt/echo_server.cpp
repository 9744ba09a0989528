// Echo server on Qt WebSockets 5.15 (Debian's libqt5websockets5-dev): QWebSocketServer on a
// QCoreApplication (no GUI), signals connected to lambdas so no moc step is needed. Binds
// 127.0.0.1 on the given port (0: a free one) and prints the readiness line.
#include <QtCore/QCoreApplication>
#include <QtNetwork/QHostAddress>
#include <QtWebSockets/QWebSocket>
#include <QtWebSockets/QWebSocketServer>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  const auto port = static_cast<quint16>(argc > 1 ? std::atoi(argv[1]) : 0);
  QWebSocketServer server(QStringLiteral("wsprobe echo"), QWebSocketServer::NonSecureMode);
  if (!server.listen(QHostAddress::LocalHost, port)) {
    std::fprintf(stderr, "listen: %s\n", qPrintable(server.errorString()));
    return 2;
  }
  QObject::connect(&server, &QWebSocketServer::newConnection, [&server] {
    while (QWebSocket* ws = server.nextPendingConnection()) {
      ws->setMaxAllowedIncomingMessageSize(1 << 25);
      QObject::connect(ws, &QWebSocket::textMessageReceived, ws,
                       [ws](const QString& m) { ws->sendTextMessage(m); });
      QObject::connect(ws, &QWebSocket::binaryMessageReceived, ws,
                       [ws](const QByteArray& m) { ws->sendBinaryMessage(m); });
      QObject::connect(ws, &QWebSocket::disconnected, ws, &QObject::deleteLater);
    }
  });
  std::printf("listening on ws://127.0.0.1:%u/\n", static_cast<unsigned>(server.serverPort()));
  (void)std::fflush(stdout);
  return QCoreApplication::exec();
}
