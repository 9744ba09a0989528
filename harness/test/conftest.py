import os
import select
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_addoption(parser):
    parser.addoption("--wsprobe", default=os.environ.get("WSPROBE", ""), help="path to the wsprobe binary")
    parser.addoption("--time-budget", type=float, default=None,
                     help="seconds the whole catalogue may take against wsprobe serve (release builds)")


@pytest.fixture(scope="session")
def wsprobe(request):
    path = request.config.getoption("--wsprobe")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("pass --wsprobe=PATH (or WSPROBE=PATH) to the wsprobe binary")
    return path


def start_server(argv, timeout=10.0):
    """Starts a server that prints 'listening on ws://HOST:PORT/' and returns (process, url)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("listening on "):
            return proc, line.split()[-1]
    proc.kill()
    raise RuntimeError(f"{argv} printed no readiness line within {timeout} s: {proc.stderr.read()}")


def stop_server(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def broken_server():
    started = []

    def start(mode):
        proc, url = start_server([sys.executable, os.path.join(HERE, "broken_servers.py"), mode])
        started.append(proc)
        return url

    yield start
    for proc in started:
        stop_server(proc)


@pytest.fixture
def reference_server(wsprobe):
    started = []

    def start(*args):
        proc, url = start_server([wsprobe, "serve", "--port", "0", *args])
        started.append(proc)
        return proc, url

    yield start
    for proc in started:
        stop_server(proc)
