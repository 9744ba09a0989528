// Autobahn fuzzingserver client on libsoup 3 (Debian's libsoup-3.0-dev), with its default session
// plus the WebSocket extension manager, whose default extension is permessage-deflate (RFC 7692): a
// session without the manager offers no extension. Limit 1 MiB (libsoup's default is 128 KiB).
#include <libsoup/soup.h>

#include "fuzzing_client.hpp"

namespace {

struct Visit {
  GMainLoop* loop;
  bool echo;
  std::vector<std::string> got;
  SoupWebsocketConnection* connection = nullptr;
};

void on_message(SoupWebsocketConnection* connection, gint type, GBytes* message, gpointer data) {
  auto* visit = static_cast<Visit*>(data);
  if (visit->echo) {
    soup_websocket_connection_send_message(connection, static_cast<SoupWebsocketDataType>(type),
                                           message);
    return;
  }
  gsize size = 0;
  const auto* bytes = static_cast<const char*>(g_bytes_get_data(message, &size));
  visit->got.emplace_back(bytes, size);
}

void on_closed(SoupWebsocketConnection*, gpointer data) {
  g_main_loop_quit(static_cast<Visit*>(data)->loop);
}

void on_connected(GObject* session, GAsyncResult* result, gpointer data) {
  auto* visit = static_cast<Visit*>(data);
  GError* error = nullptr;
  visit->connection = soup_session_websocket_connect_finish(SOUP_SESSION(session), result, &error);
  if (visit->connection == nullptr) {
    g_clear_error(&error);
    g_main_loop_quit(visit->loop);
    return;
  }
  soup_websocket_connection_set_max_incoming_payload_size(visit->connection, 1 << 20);
  g_signal_connect(visit->connection, "message", G_CALLBACK(on_message), visit);
  g_signal_connect(visit->connection, "closed", G_CALLBACK(on_closed), visit);
}

}  // namespace

int main(int argc, char** argv) {
  SoupSession* session = soup_session_new();
  soup_session_add_feature_by_type(session, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER);
  const int status = fuzzing_client::run(argc, argv, [session](const std::string& url, bool echo) {
    Visit visit{g_main_loop_new(nullptr, FALSE), echo, {}};
    SoupMessage* message = soup_message_new("GET", url.c_str());
    soup_session_websocket_connect_async(session, message, nullptr, nullptr, G_PRIORITY_DEFAULT,
                                         nullptr, on_connected, &visit);
    g_main_loop_run(visit.loop);
    if (visit.connection != nullptr) g_object_unref(visit.connection);
    g_object_unref(message);
    g_main_loop_unref(visit.loop);
    return visit.got;
  });
  g_object_unref(session);
  return status;
}
