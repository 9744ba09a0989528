"""A reverse proxy (nginx or HAProxy, from Debian) in front of an echo peer, as one panel server.

    launch.py nginx|haproxy PORT BACKEND-ARGV...

Starts the backend (an echo shim that prints "listening on ws://127.0.0.1:PORT/"), writes the
proxy's config into a temporary directory (free ports on 127.0.0.1 only, logs and pid inside it),
starts the proxy in the foreground, waits (bounded) for its port, and prints the readiness line
for the proxy's port. On SIGTERM it stops both by pid. What the panel then measures is the proxy:
how it forwards the upgrade and whether it passes every frame through unchanged. The backend
inherits the launcher's environment: in the panel's permessage-deflate run (WSPROBE_PEER_DEFLATE=1)
the backend agrees to deflate, and the panel measures whether the proxy passes the negotiation
(Sec-WebSocket-Extensions, RFC 7692) and the compressed frames (RSV1) through.
"""
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

TIMEOUT = 20.0  # seconds for each process to get ready

NGINX = """daemon off;
worker_processes 1;
{user}pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      # nginx's documented WebSocket proxying (http://nginx.org/en/docs/http/websocket.html):
      # Upgrade and Connection are hop-by-hop, so they are passed on explicitly.
      proxy_pass http://127.0.0.1:{backend};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_set_header Host $host;
      proxy_buffering off;
      proxy_read_timeout 3600s;
      proxy_send_timeout 3600s;
    }}
  }}
}}
"""

HAPROXY = """global
  maxconn 256
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  # once upgraded, the connection is a tunnel with its own timeout
  timeout tunnel 1h
frontend ws
  bind 127.0.0.1:{port}
  default_backend echo
backend echo
  server echo 127.0.0.1:{backend}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def backend_port(proc):
    """The port from the backend's readiness line, waited for at most TIMEOUT seconds."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("listening on "):
            return int(line.split()[2].rstrip("/").rsplit(":", 1)[1])
    raise RuntimeError("the backend printed no readiness line")


def wait_for_port(port, proc):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)  # polling a port that is not open yet: there is no event to wait on
    raise RuntimeError(f"the proxy did not listen on 127.0.0.1:{port}")


def proxy_argv(kind, workdir, port, backend):
    conf = os.path.join(workdir, f"{kind}.conf")
    if kind == "nginx":
        # as root the workers would switch to nobody; keep them as the user that runs the panel
        user = "user root;\n" if os.getuid() == 0 else ""
        text, argv = NGINX.format(dir=workdir, port=port, backend=backend, user=user), \
            ["nginx", "-p", workdir, "-e", os.path.join(workdir, "error.log"), "-c", conf]
    elif kind == "haproxy":
        text, argv = HAPROXY.format(port=port, backend=backend), ["haproxy", "-db", "-f", conf]
    else:
        raise SystemExit(f"unknown proxy {kind!r}: nginx or haproxy")
    with open(conf, "w") as f:
        f.write(text)
    return argv


def stop(procs):
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(kind, port, backend_argv):
    procs = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # unwinds to the finally below
    with tempfile.TemporaryDirectory(prefix=f"wsprobe-{kind}-") as workdir:
        try:
            backend = subprocess.Popen(backend_argv, stdout=subprocess.PIPE, text=True)
            procs.append(backend)
            backend_at = backend_port(backend)
            port = port or free_port()
            proxy = subprocess.Popen(proxy_argv(kind, workdir, port, backend_at),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.insert(0, proxy)
            wait_for_port(port, proxy)
            print(f"listening on ws://127.0.0.1:{port}/", flush=True)
            while all(p.poll() is None for p in procs):  # either one exiting ends the launcher
                try:
                    proxy.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            stop(procs)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    try:
        main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
    except KeyboardInterrupt:
        pass
