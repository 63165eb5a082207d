"""The server helpers themselves: servers they start stop as an operator expects."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tests import servers
from tests.servers import ServerProcess


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """What a shell does to a background job such as `make test &`."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_server_started_while_sigint_is_ignored_still_stops_on_sigint() -> None:
    # daphne is the strictest case: Twisted installs its SIGINT handler only
    # over Python's default one, so an inherited SIG_IGN made it deaf to Ctrl+C.
    argv = servers.daphne("tests.sites.server_asgi:application")
    with sigint_ignored(), ServerProcess(argv, settings="tests.sites.server_settings") as server:
        server.wait_for("Listening on TCP address")
        # Twisted installs its handlers once the reactor runs, which is after
        # it logs that it listens; an answered request proves the reactor runs.
        assert server.get("/missing/").status_code == 200
        asked = time.monotonic()
        code = server.stop(signal.SIGINT, timeout=15)
    assert time.monotonic() - asked < 10, server.output
    assert code == 0, server.output


def test_the_server_does_not_inherit_the_test_runs_settings_module_when_told_not_to() -> None:
    argv = ["http.server", "--bind", "127.0.0.1", "{port}"]
    server = ServerProcess(argv, settings=None, repo_on_path=False)
    assert "DJANGO_SETTINGS_MODULE" not in server.env
    assert str(server.cwd) == server.env["PYTHONPATH"]
    with server:
        server.wait_for("Serving HTTP on")
        # It prints that line before it serves; an answer means SIGINT finds it serving.
        assert server.get("/").status_code == 200
        code = server.stop(signal.SIGINT, timeout=15)
    assert code == 0, server.output
