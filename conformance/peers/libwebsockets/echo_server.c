// Echo server on libwebsockets 4.1 (Debian's libwebsockets-dev), on lws's own event loop.
// lws answers pings and the closing handshake itself; the shim joins a message's fragments and
// queues the echo until the connection is writable. UTF-8 checking is an option in lws: on, as
// in lws's own Autobahn test server. Binds 127.0.0.1 on the given port (0: a free one) and
// prints the readiness line.
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kLimit = 1 << 25 };

struct echo {  // one message queued for writing
  struct echo* next;
  int binary;
  size_t size;
  unsigned char data[];  // LWS_PRE bytes of headroom, then the payload
};

struct session {
  struct echo* head;
  struct echo** tail;
  int binary;
  size_t size;
  unsigned char* data;  // the message being received
};

static int interrupted;

static void on_signal(int sig) {
  (void)sig;
  interrupted = 1;
}

static int queue_message(struct lws* wsi, struct session* s) {
  struct echo* e = malloc(sizeof *e + LWS_PRE + s->size);
  if (e == NULL) return -1;
  e->next = NULL;
  e->binary = s->binary;
  e->size = s->size;
  if (s->size > 0) memcpy(e->data + LWS_PRE, s->data, s->size);
  *s->tail = e;
  s->tail = &e->next;
  s->size = 0;
  lws_callback_on_writable(wsi);
  return 0;
}

static int callback(struct lws* wsi, enum lws_callback_reasons reason, void* user, void* in,
                    size_t len) {
  struct session* s = user;
  switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
      memset(s, 0, sizeof *s);
      s->tail = &s->head;
      break;
    case LWS_CALLBACK_RECEIVE:
      if (lws_is_first_fragment(wsi)) {
        s->size = 0;
        s->binary = lws_frame_is_binary(wsi);
      }
      if (s->size + len > kLimit) return -1;
      if (len > 0) {
        unsigned char* grown = realloc(s->data, s->size + len);
        if (grown == NULL) return -1;
        s->data = grown;
        memcpy(s->data + s->size, in, len);
        s->size += len;
      }
      if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0)
        return queue_message(wsi, s);
      break;
    case LWS_CALLBACK_SERVER_WRITEABLE: {
      struct echo* e = s->head;
      if (e == NULL) break;
      if (lws_write(wsi, e->data + LWS_PRE, e->size,
                    e->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) < (int)e->size)
        return -1;
      s->head = e->next;
      if (s->head == NULL) s->tail = &s->head;
      free(e);
      if (s->head != NULL) lws_callback_on_writable(wsi);
      break;
    }
    case LWS_CALLBACK_CLOSED:
      while (s->head != NULL) {
        struct echo* next = s->head->next;
        free(s->head);
        s->head = next;
      }
      free(s->data);
      s->data = NULL;
      break;
    default:
      break;
  }
  return 0;
}

static const struct lws_protocols protocols[] = {
    // no subprotocol name match needed: the first protocol is the default
    {"echo", callback, sizeof(struct session), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

// permessage-deflate (RFC 7692, lws's built-in extension; client_offer is what lws would offer as
// a client) only in the panel's deflate run (WSPROBE_PEER_DEFLATE=1).
static const struct lws_extension extensions[] = {
    {"permessage-deflate", lws_extension_callback_pm_deflate,
     "permessage-deflate; client_max_window_bits"},
    {NULL, NULL, NULL},
};

int main(int argc, char** argv) {
  lws_set_log_level(LLL_ERR, NULL);
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  info.port = argc > 1 ? atoi(argv[1]) : 0;
  info.iface = "127.0.0.1";
  info.protocols = protocols;
  info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6;
  info.ka_time = 0;
  const char* deflate = getenv("WSPROBE_PEER_DEFLATE");
  if (deflate != NULL && strcmp(deflate, "1") == 0) info.extensions = extensions;
  struct lws_context* context = lws_create_context(&info);
  if (context == NULL) {
    fprintf(stderr, "lws_create_context failed\n");
    return 2;
  }
  struct lws_vhost* vhost = lws_get_vhost_by_name(context, "default");
  printf("listening on ws://127.0.0.1:%d/\n", lws_get_vhost_listen_port(vhost));
  fflush(stdout);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  while (!interrupted && lws_service(context, 0) >= 0) {
  }
  lws_context_destroy(context);
  return 0;
}
