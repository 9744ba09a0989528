// Echo server on wslay 1.1 (Debian's libwslay-dev), on its own small poll(2) loop. wslay is
// frame and message I/O only: the opening handshake is the shim's (the minimum RFC 6455 4.2.2
// asks: the Sec-WebSocket-Key answered with its SHA-1 accept value, via OpenSSL's libcrypto),
// as in wslay's own example echo server. wslay joins fragments, answers pings and the close.
// Binds 127.0.0.1 on the given port (0: a free one) and prints the readiness line.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wslay/wslay.h>

enum { kMaxClients = 64, kRequestMax = 8192, kLimit = 1 << 25 };

struct client {
  int fd;
  size_t request_size;  // the handshake request read so far
  char request[kRequestMax + 1];
  size_t early_begin, early_end;  // frame bytes that came in the request's read, for wslay first
  wslay_event_context_ptr ws;     // NULL until the handshake is done
};

static ssize_t on_recv(wslay_event_context_ptr ctx, uint8_t* buf, size_t len, int flags,
                       void* user) {
  (void)flags;
  struct client* c = user;
  if (c->early_begin < c->early_end) {
    const size_t n = len < c->early_end - c->early_begin ? len : c->early_end - c->early_begin;
    memcpy(buf, c->request + c->early_begin, n);
    c->early_begin += n;
    return (ssize_t)n;
  }
  const ssize_t n = recv(c->fd, buf, len, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
  } else if (n <= 0) {
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
  }
  return n < 0 ? -1 : n;
}

static ssize_t on_send(wslay_event_context_ptr ctx, const uint8_t* data, size_t len, int flags,
                       void* user) {
  (void)flags;
  const ssize_t n = send(((struct client*)user)->fd, data, len, MSG_NOSIGNAL);
  if (n < 0) {
    wslay_event_set_error(ctx, errno == EAGAIN || errno == EWOULDBLOCK
                                   ? WSLAY_ERR_WOULDBLOCK
                                   : WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
  }
  return n;
}

static void on_message(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg* arg,
                       void* user) {
  (void)user;
  if (wslay_is_ctrl_frame(arg->opcode)) return;  // wslay answers pings and the close itself
  struct wslay_event_msg echo = {arg->opcode, arg->msg, arg->msg_length};
  wslay_event_queue_msg(ctx, &echo);
}

static const struct wslay_event_callbacks callbacks = {on_recv, on_send, NULL,      NULL,
                                                       NULL,    NULL,    on_message};

// The value of a request header, case-insensitive by name (RFC 7230 3.2), or NULL.
static const char* header(char* request, const char* name, size_t* len) {
  const size_t n = strlen(name);
  for (char* line = strstr(request, "\r\n"); line != NULL; line = strstr(line + 2, "\r\n")) {
    if (strncasecmp(line + 2, name, n) == 0 && line[2 + n] == ':') {
      const char* value = line + 3 + n;
      while (*value == ' ' || *value == '\t')
        ++value;
      const char* end = strstr(value, "\r\n");
      while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
        --end;
      *len = (size_t)(end - value);
      return value;
    }
  }
  return NULL;
}

// Answers the opening handshake (RFC 6455 4.2.2); 0 when done, -1 to drop the client.
static int handshake(struct client* c) {
  size_t key_len = 0;
  const char* key = header(c->request, "Sec-WebSocket-Key", &key_len);
  if (key == NULL || key_len > 64) {
    static const char bad[] =
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    (void)send(c->fd, bad, sizeof bad - 1, MSG_NOSIGNAL);
    return -1;
  }
  char joined[128];
  snprintf(joined, sizeof joined, "%.*s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", (int)key_len, key);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1((const unsigned char*)joined, strlen(joined), digest);
  unsigned char accept[32];
  EVP_EncodeBlock(accept, digest, SHA_DIGEST_LENGTH);
  char response[256];
  const int n =
      snprintf(response, sizeof response,
               "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Accept: %s\r\n\r\n",
               (const char*)accept);
  if (send(c->fd, response, (size_t)n, MSG_NOSIGNAL) != n) return -1;
  if (wslay_event_context_server_init(&c->ws, &callbacks, c) != 0) return -1;
  wslay_event_config_set_max_recv_msg_length(c->ws, kLimit);
  return 0;
}

// Reads more of the request; bytes after its end are frames, kept for wslay's first reads.
static int read_request(struct client* c) {
  const ssize_t n = recv(c->fd, c->request + c->request_size, kRequestMax - c->request_size, 0);
  if (n <= 0) return n < 0 && errno == EAGAIN ? 0 : -1;
  c->request_size += (size_t)n;
  c->request[c->request_size] = '\0';
  const char* end = strstr(c->request, "\r\n\r\n");
  if (end != NULL) {
    c->early_begin = (size_t)(end + 4 - c->request);
    c->early_end = c->request_size;
    return handshake(c);
  }
  return c->request_size < kRequestMax ? 0 : -1;
}

static void drop(struct client* c) {
  if (c->ws != NULL) wslay_event_context_free(c->ws);
  close(c->fd);
  memset(c, 0, sizeof *c);
  c->fd = -1;
}

int main(int argc, char** argv) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in address = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)(argc > 1 ? atoi(argv[1]) : 0))};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (bind(listener, (struct sockaddr*)&address, size) != 0 || listen(listener, 64) != 0 ||
      getsockname(listener, (struct sockaddr*)&address, &size) != 0) {
    perror("listen");
    return 2;
  }
  printf("listening on ws://127.0.0.1:%u/\n", ntohs(address.sin_port));
  fflush(stdout);
  static struct client clients[kMaxClients];
  for (int i = 0; i < kMaxClients; ++i)
    clients[i].fd = -1;
  for (;;) {
    struct pollfd fds[kMaxClients + 1];
    fds[0] = (struct pollfd){.fd = listener, .events = POLLIN};
    for (int i = 0; i < kMaxClients; ++i) {
      struct client* c = &clients[i];
      short events = 0;
      if (c->fd >= 0) events = c->ws == NULL || wslay_event_want_read(c->ws) ? POLLIN : 0;
      if (c->ws != NULL && wslay_event_want_write(c->ws)) events |= POLLOUT;
      fds[i + 1] = (struct pollfd){.fd = c->fd, .events = events};
    }
    if (poll(fds, kMaxClients + 1, -1) < 0) {
      if (errno == EINTR) continue;
      perror("poll");
      return 2;
    }
    if (fds[0].revents & POLLIN) {
      const int fd = accept(listener, NULL, NULL);
      int slot = 0;
      while (slot < kMaxClients && clients[slot].fd >= 0)
        ++slot;
      if (fd >= 0 && slot == kMaxClients) close(fd);
      if (fd >= 0 && slot < kMaxClients) {
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        clients[slot].fd = fd;
      }
    }
    for (int i = 0; i < kMaxClients; ++i) {
      struct client* c = &clients[i];
      const short revents = fds[i + 1].revents;
      if (c->fd < 0 || fds[i + 1].fd != c->fd || revents == 0) continue;
      int failed = 0;
      int readable = (revents & (POLLIN | POLLHUP | POLLERR)) != 0;
      if (c->ws == NULL) {
        failed = readable && read_request(c) != 0;
        readable = c->early_begin < c->early_end;  // frames that came with the request
      }
      if (!failed && c->ws != NULL) {
        if (readable) failed = wslay_event_recv(c->ws) != 0;
        if (!failed && (revents & POLLOUT)) failed = wslay_event_send(c->ws) != 0;
        if (!failed && wslay_event_want_write(c->ws)) failed = wslay_event_send(c->ws) != 0;
        // wslay has sent its close reply (or failed the connection): nothing left to do.
        failed = failed || (!wslay_event_want_read(c->ws) && !wslay_event_want_write(c->ws));
      }
      if (failed) drop(c);
    }
  }
}
