// Autobahn fuzzingserver client on Qt WebSockets 5.15 (Debian's libqt5websockets5-dev). Limit 1
// MiB. No moc needed: the slots are lambdas.
#include <QCoreApplication>
#include <QEventLoop>
#include <QUrl>
#include <QWebSocket>

#include "fuzzing_client.hpp"

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  return fuzzing_client::run(argc, argv, [](const std::string& url, bool echo) {
    std::vector<std::string> got;
    QWebSocket ws;
    ws.setMaxAllowedIncomingMessageSize(1 << 20);
    ws.setMaxAllowedIncomingFrameSize(1 << 20);
    QEventLoop loop;
    QObject::connect(&ws, &QWebSocket::textMessageReceived, [&](const QString& m) {
      if (echo)
        ws.sendTextMessage(m);
      else
        got.push_back(m.toStdString());
    });
    QObject::connect(&ws, &QWebSocket::binaryMessageReceived, [&](const QByteArray& m) {
      if (echo) ws.sendBinaryMessage(m);
    });
    QObject::connect(&ws, &QWebSocket::disconnected, &loop, &QEventLoop::quit);
    QObject::connect(&ws, QOverload<QAbstractSocket::SocketError>::of(&QWebSocket::error), [&] {
      if (ws.state() == QAbstractSocket::UnconnectedState) loop.quit();  // never connected
    });
    ws.open(QUrl(QString::fromStdString(url)));
    loop.exec();
    return got;
  });
}
