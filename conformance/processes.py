"""Starting and stopping the servers the tests talk to: wait for the readiness line
("listening on ws://HOST:PORT/"), bounded, never a sleep; keep draining their output; stop by pid.
Shared by conformance/ and harness/test/."""
import collections
import select
import subprocess
import threading
import time


def start(argv, env=None, cwd=None, timeout=20.0):
    """Starts a process that prints 'listening on ws://HOST:PORT/'; returns (process, url)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("listening on "):
            drain(proc)
            return proc, line.split()[2]
    proc.kill()
    proc.wait()
    raise RuntimeError(f"{argv[0]} printed no readiness line within {timeout} s: {proc.stderr.read()[-2000:]}")


def drain(proc):
    """Keeps reading the process's output, so a chatty server never blocks on a full pipe; the
    last lines stay on proc.tail for diagnostics."""
    proc.tail = collections.deque(maxlen=200)

    def pump(stream):
        for line in stream:
            proc.tail.append(line)

    for stream in (proc.stdout, proc.stderr):
        threading.Thread(target=pump, args=(stream,), daemon=True).start()


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
