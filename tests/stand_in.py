"""A stand-in for the external APIs that the contexts' and workers' clients call, on 127.0.0.1.

By default it answers every GET with the path it was asked for, as JSON; a page whose
service answers otherwise passes its own `answer`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

# What the API answers a GET of this path with: a status and a body, sent as JSON.
Answer = Callable[[str], tuple[int, object]]


def echo_path(path: str) -> tuple[int, object]:
    return 200, {"path": path}


class StandInServer(ThreadingHTTPServer):
    def __init__(self, answer: Answer, keep_alive: bool) -> None:
        self.answer = answer
        self.keep_alive = keep_alive
        super().__init__(("127.0.0.1", 0), StandIn)


class StandIn(BaseHTTPRequestHandler):
    def setup(self) -> None:
        assert isinstance(self.server, StandInServer)
        # HTTP/1.1 keeps the connection open, so that a client's pool holds one between calls.
        self.protocol_version = "HTTP/1.1" if self.server.keep_alive else "HTTP/1.0"
        super().setup()

    def do_GET(self) -> None:
        assert isinstance(self.server, StandInServer)
        status, answer = self.server.answer(self.path)
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def stand_in_api(answer: Answer = echo_path, *, keep_alive: bool = False) -> Generator[str]:
    """The API's base URL, served until the block ends."""
    server = StandInServer(answer, keep_alive)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _served() -> Iterator[str]:
    with stand_in_api() as url:
        yield url


# The stand-in API as a fixture: for one test, or for every test of a module (a docs page's
# project, built once). A test module takes it under the name its tests use (`api = ...`).
api_for_the_test = pytest.fixture(_served)
api_for_the_module = pytest.fixture(scope="module")(_served)
