// Echo server on libsoup 3 (Debian's libsoup-3.0-dev), SoupServer with a WebSocket handler on
// the GLib main loop. Binds 127.0.0.1 on the given port (0: a free one) and prints the readiness
// line.
#include <libsoup/soup.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_message(SoupWebsocketConnection* conn, gint type, GBytes* message, gpointer data) {
  (void)data;
  soup_websocket_connection_send_message(conn, (SoupWebsocketDataType)type, message);
}

static void on_closed(SoupWebsocketConnection* conn, gpointer data) {
  (void)data;
  g_object_unref(conn);
}

static void on_websocket(SoupServer* server, SoupServerMessage* msg, const char* path,
                         SoupWebsocketConnection* conn, gpointer data) {
  (void)server, (void)msg, (void)path, (void)data;
  soup_websocket_connection_set_max_incoming_payload_size(conn, 1 << 25);
  soup_websocket_connection_set_keepalive_interval(conn, 0);
  g_object_ref(conn);  // the handler's reference ends with the callback
  g_signal_connect(conn, "message", G_CALLBACK(on_message), NULL);
  g_signal_connect(conn, "closed", G_CALLBACK(on_closed), NULL);
}

int main(int argc, char** argv) {
  const guint port = argc > 1 ? (guint)atoi(argv[1]) : 0;
  SoupServer* server = soup_server_new(NULL, NULL);
  // No extensions: libsoup 3 adds permessage-deflate by default; the panel keeps it only for its
  // permessage-deflate run (RFC 7692), with WSPROBE_PEER_DEFLATE=1.
  const char* deflate = getenv("WSPROBE_PEER_DEFLATE");
  if (deflate == NULL || strcmp(deflate, "1") != 0)
    soup_server_remove_websocket_extension(server, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  soup_server_add_websocket_handler(server, NULL, NULL, NULL, on_websocket, NULL, NULL);
  GError* error = NULL;
  GInetAddress* loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress* address = g_inet_socket_address_new(loopback, port);
  if (!soup_server_listen(server, address, 0, &error)) {
    fprintf(stderr, "listen: %s\n", error->message);
    return 2;
  }
  GSList* uris = soup_server_get_uris(server);
  printf("listening on ws://127.0.0.1:%d/\n", g_uri_get_port(uris->data));
  fflush(stdout);
  g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
  g_main_loop_run(g_main_loop_new(NULL, FALSE));
  return 0;
}
