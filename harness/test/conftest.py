import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(os.path.join(os.path.dirname(os.path.dirname(HERE)), "conformance"))
from processes import start, stop  # noqa: E402


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
    return start(argv, timeout=timeout)


def stop_server(proc):
    stop(proc)


@pytest.fixture
def python_server():
    """start(script, mode): runs harness/test/SCRIPT MODE (a server that prints the readiness
    line) and returns its URL; every server started is stopped after the test."""
    started = []

    def start(script, mode):
        proc, url = start_server([sys.executable, os.path.join(HERE, script), mode])
        started.append(proc)
        return url

    yield start
    for proc in started:
        stop_server(proc)


@pytest.fixture
def broken_server(python_server):
    return lambda mode: python_server("broken_servers.py", mode)


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
