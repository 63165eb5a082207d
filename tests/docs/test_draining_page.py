"""docs/draining.md, pasted as a reader pastes it into a fresh project, served under uvicorn, sent SIGTERM.

The blocks come from the rendered page, in order: the settings with the window, urls.py
mounting readyz/, the views, the signals setting, the Channels consumer and its asgi.py.
"""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosedOK
from websockets.sync.client import connect

from tests import servers
from tests.pasted_project import (
    command_block,
    file_blocks,
    headers,
    imported_distributions,
    installed_by,
    manage_py_check,
    served_as_a_user_runs_it,
    start_project,
)
from tests.rendered_docs import code_blocks, render
from tests.servers import ServerProcess

BLOCKS = code_blocks(render("draining.md"))
FILES = file_blocks(BLOCKS)
INSTALL = command_block(BLOCKS, "pip install")
UVICORN = command_block(BLOCKS, "uvicorn ")
DRAINING = "Draining after SIGTERM"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return start_project(tmp_path_factory.mktemp("draining"), INSTALL, FILES)


def test_the_page_shows_each_file_whole_and_mounts_readyz() -> None:
    assert headers(FILES) == [
        "# mysite/settings.py: add at the end",
        "# mysite/asgi.py: replace the whole file",
        "# mysite/urls.py: replace the whole file",
        "# mysite/views.py",
        "# mysite/settings.py: add at the end",
        "# mysite/consumers.py",
        "# mysite/asgi.py: replace the whole file",
    ]
    (urls,) = [block for block in FILES if block.startswith("# mysite/urls.py")]
    assert 'path("", include("django_lifespan_ctx.urls"))' in urls
    assert imported_distributions(FILES) <= installed_by(INSTALL)


def test_manage_py_check_passes_on_the_pasted_project(project: Path) -> None:
    assert "no issues" in manage_py_check(project)


def sse_events(lines: list[str]) -> list[str]:
    return [line.removeprefix("event: ") for line in lines if line.startswith("event: ")]


def test_sigterm_drains_readyz_503_while_requests_and_new_connections_are_served(project: Path) -> None:
    (command,) = UVICORN.splitlines()
    argv = servers.documented(command)
    assert argv[0] == "uvicorn"
    window = float(re.search(r"LIFESPAN_DRAIN_SECONDS = (\d+)", "\n".join(FILES)).group(1))  # type: ignore[union-attr]
    server: ServerProcess
    with served_as_a_user_runs_it(argv, project) as server:
        server.wait_for("Application startup complete", timeout=60)
        assert server.get("/").text == "ok"
        before = server.get("/readyz/")
        assert before.status_code == 200, before.text

        # Long-lived connections, open before the signal: a stream and a WebSocket.
        with (
            httpx.Client(base_url=server.url, trust_env=False, timeout=30) as client,
            client.stream("GET", "/events/") as stream,
            connect(f"ws://127.0.0.1:{server.port}/ws/live/", open_timeout=30) as websocket,
        ):
            lines = stream.iter_lines()
            assert next(lines) == "event: hello"

            assert server.process is not None
            signalled = time.monotonic()  # Before: the window cannot start earlier.
            server.process.send_signal(signal.SIGTERM)
            server.wait_for(DRAINING)

            # Each the drain tells to go: the stream's last event, the WebSocket's message and close.
            assert sse_events(list(lines)) == ["draining"]
            assert websocket.recv(timeout=30) == "draining: reconnect elsewhere"
            with pytest.raises(ConnectionClosedOK):
                websocket.recv(timeout=30)

            # Still serving, new connections included (each get() is one), while readyz/ says not ready.
            draining = server.get("/readyz/")
            served = server.get("/")
            assert server.process.poll() is None, server.output
            assert "Application shutdown complete" not in server.output

        assert draining.status_code == 503, draining.text
        body = draining.json()
        assert body["status"] == "draining"
        assert body["in_flight"] == 0  # The probe itself is not counted; the stream has ended.
        assert 0 < body["drain_seconds_left"] <= window
        assert served.status_code == 200
        assert served.text == "ok"

        code = server.wait_for_exit(timeout=window + 60)
        stopped_after = time.monotonic() - signalled
    assert code in (0, -signal.SIGTERM), server.output  # uvicorn raises the signal again once stopped.
    assert stopped_after >= window, f"stopped {stopped_after:.1f} s after SIGTERM: no drain"
    output = server.output
    assert output.index(DRAINING) < output.index("Application shutdown complete"), output
    assert "Traceback" not in output, output
