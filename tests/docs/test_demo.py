"""`make demo` as a newcomer runs it, and the sample site's logging under daphne."""

from __future__ import annotations

import re
import shlex
import shutil
import signal
import subprocess

import pytest

from tests import servers
from tests.servers import REPO, ServerProcess, free_port

SITE = REPO / "sample_site"
# In the order they are entered; a group's two members may enter in either order.
CONTEXTS = [
    "library.lifespan.catalogue",
    "library.lifespan.httpx_client",
    "library.lifespan.cover_cache",
    "library.lifespan.books_api",
]


def demo_recipe(port: int) -> tuple[str, list[str], dict[str, str]]:
    """What `make demo DEMO_PORT=port` would print and run: banner, server argv, environment."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry_run = subprocess.run(
        ["make", "--dry-run", "--silent", "demo", f"DEMO_PORT={port}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout.replace("\\\n", " ")
    banner = next(line for line in dry_run.splitlines() if "Sample site" in line)
    command = next(line for line in dry_run.splitlines() if " -m uvicorn " in line)
    words = shlex.split(command)
    assert words[:3] == ["cd", "sample_site", "&&"], command
    env = dict(word.split("=", 1) for word in words[3:] if re.match(r"^[A-Z_]+=", word))
    argv = words[words.index("-m") + 1 :]
    return banner, argv, env


def exits(output: str, context: str) -> int:
    return len(re.findall(rf"Exited '{re.escape(context)}' in", output))


def test_make_demo_on_another_port_calls_its_own_api_there_and_shows_the_contexts_close() -> None:
    port = free_port()
    banner, argv, env = demo_recipe(port)
    assert f"http://127.0.0.1:{port}/" in banner and "watch the contexts close" in banner
    assert argv[-2:] == ["--port", str(port)]
    server = ServerProcess(argv, settings=None, cwd=SITE, port=port)
    server.env.update(env)
    with server:
        server.wait_for("Uvicorn running on")  # Listening: uvicorn binds after the startup.
        book = server.get("/books/2/")  # The view calls the books API on the demo's own port.
        code = server.stop(signal.SIGINT)
    assert book.status_code == 200 and "Fluent Python" in book.text, server.output
    shutdown = server.output.split("Waiting for application shutdown")[1]
    closed = [re.search(rf"Exited '{re.escape(name)}' in", shutdown) for name in CONTEXTS]
    assert all(closed), server.output
    positions = [found.start() for found in closed if found]
    # Exited in reverse: books_api, then the group (either order), then catalogue.
    assert positions[3] < min(positions[1:3]) and max(positions[1:3]) < positions[0], shutdown
    assert all(exits(server.output, name) == 1 for name in CONTEXTS), server.output
    assert code == 0, server.output


def run_under_daphne(settings: str) -> str:
    argv = servers.daphne("sample_site.asgi:application")
    server = ServerProcess(argv, settings=settings, cwd=SITE)
    server.env["BOOKS_API_URL"] = f"{server.url}/api/"
    with server:
        server.wait_for("Listening on TCP address")
        assert server.get("/books/2/").status_code == 200, server.output
        assert server.stop(signal.SIGINT) == 0, server.output
    return server.output


def lifespan_lines(output: str) -> dict[str, int]:
    messages = ["Lifespan startup complete", "Lifespan shutdown complete"]
    messages += [f"Exited '{name}'" for name in CONTEXTS]
    return {message: output.count(message) for message in messages}


def test_the_sample_logging_prints_each_line_once_under_daphne() -> None:
    seen = lifespan_lines(run_under_daphne("tests.sites.sample_daphne_settings"))
    assert set(seen.values()) == {1}, seen


def test_without_propagate_false_daphne_prints_each_line_twice() -> None:
    # The control: daphne gives the root logger a handler, and a propagating
    # logger reaches it as well as its own.
    seen = lifespan_lines(run_under_daphne("tests.sites.sample_propagating_settings"))
    assert set(seen.values()) == {2}, seen
