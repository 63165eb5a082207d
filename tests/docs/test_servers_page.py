"""docs/servers.md's recipes, pasted as a reader pastes them into a fresh project, served by uvicorn.

The blocks come from the rendered page, in order. Each recipe is served as soon as its
blocks are in: the other apps beside Django, then Django mounted under FastAPI, then
the Channels `asgi.py`, which replaces the first, with a real WebSocket.
"""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import httpx
from websockets.sync.client import connect

from tests import servers
from tests.pasted_project import (
    command_block,
    copy_into,
    file_blocks,
    headers,
    imported_distributions,
    installed_by,
    manage_py_check,
    served_as_a_user_runs_it,
    start_project,
    user_env,
)
from tests.rendered_docs import code_blocks, render
from tests.servers import ServerProcess

BLOCKS = code_blocks(render("servers.md"))
FILES = file_blocks(BLOCKS)
INSTALL = command_block(BLOCKS, "pip install")
SERVE_COMMANDS = [block.strip() for block in BLOCKS if block.startswith("uvicorn ")]
MCP_CALL = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "tools/call",
    "params": {"name": "add", "arguments": {"a": 2, "b": 3}},
}
KEYS = ["fastapi_greeting", "starlette_greeting"]
STARTED_AND_STOPPED = [
    "Starlette app started",
    "FastAPI app started",
    "StreamableHTTP session manager started",  # The MCP app's own log lines.
    "StreamableHTTP session manager shutting down",
    "FastAPI app stopped",
    "Starlette app stopped",
]


def test_the_page_shows_whole_files_one_recipe_after_another() -> None:
    assert headers(FILES) == [
        "# mysite/other_apps.py",
        "# mysite/settings.py: add at the end",
        "# mysite/views.py",
        "# mysite/urls.py: replace the whole file",
        "# mysite/asgi.py: replace the whole file",
        "# mysite/under_fastapi.py",
        "# mysite/consumers.py",
        "# mysite/asgi.py: replace the whole file",
    ]
    assert SERVE_COMMANDS == [
        "uvicorn mysite.asgi:application",
        "uvicorn mysite.under_fastapi:app",
        "uvicorn mysite.asgi:application",
    ]


def test_the_install_line_names_every_package_the_code_imports() -> None:
    assert imported_distributions(FILES) <= installed_by(INSTALL)


def served(project: Path, command: str) -> ServerProcess:
    """The page's uvicorn command, from a user's shell, on a free port."""
    argv = servers.documented(command)
    assert argv[0] == "uvicorn"
    # MCP logs through rich, which wraps its lines at 80 columns when not on a terminal.
    return served_as_a_user_runs_it(argv, project, {**user_env(), "COLUMNS": "200"})


def printed(output: str) -> list[str]:
    """What the other apps' lifespans printed, in order (MCP's lines without rich's columns)."""
    apps = ("Starlette app ", "FastAPI app ", "StreamableHTTP session manager ")
    found = []
    for line in output.splitlines():
        at = min((line.find(app) for app in apps if app in line), default=-1)
        if at >= 0:
            found.append(re.split(r"\s{2,}", line[at:])[0])
    return found


def test_each_recipe_pasted_into_a_fresh_project_serves_under_uvicorn(tmp_path: Path) -> None:
    mounted, under_fastapi, channels = SERVE_COMMANDS
    project = start_project(tmp_path, INSTALL, FILES[:5])
    assert "no issues" in manage_py_check(project)

    # Other apps beside Django: each one's lifespan runs as an entry, its state merged into ours.
    with served(project, mounted) as server:
        server.wait_for("Uvicorn running on")
        django, starlette, fastapi = server.get("/state/"), server.get("/starlette/"), server.get("/fastapi/")
        with httpx.Client(base_url=server.url, trust_env=False, timeout=30) as client:
            mcp = client.post(
                "/mcp", json=MCP_CALL, headers={"Accept": "application/json, text/event-stream"}
            )
        code = server.stop(signal.SIGINT)
    assert django.json() == {"keys": KEYS}, server.output
    assert starlette.json() == {"greeting": "hello from Starlette"}
    assert fastapi.json() == {"greeting": "hello from FastAPI"}
    # The MCP app answers only once its lifespan has started its session manager.
    assert mcp.json()["result"]["structuredContent"] == {"result": 5}, mcp.text
    assert printed(server.output) == STARTED_AND_STOPPED, server.output
    assert code == 0, server.output

    # Django mounted under FastAPI: FastAPI's lifespan runs ours, and the view sees its state.
    copy_into(project, FILES[5])
    with served(project, under_fastapi) as server:
        server.wait_for("Uvicorn running on")
        legacy = server.get("/legacy/state/")
        code = server.stop(signal.SIGINT)
    assert legacy.json() == {"keys": KEYS}, server.output
    assert printed(server.output) == STARTED_AND_STOPPED, server.output
    assert code == 0, server.output

    # Channels: views and a consumer, over a real WebSocket, see the same state.
    for block in FILES[6:]:
        copy_into(project, block)
    assert "no issues" in manage_py_check(project)
    with served(project, channels) as server:
        server.wait_for("Uvicorn running on")
        view = server.get("/state/")
        with connect(f"ws://127.0.0.1:{server.port}/ws/state/", proxy=None) as socket:
            consumer = json.loads(socket.recv(timeout=30))
        code = server.stop(signal.SIGINT)
    assert view.json() == consumer == {"keys": KEYS}, server.output
    assert printed(server.output) == STARTED_AND_STOPPED, server.output
    assert code == 0, server.output
