"""docs/outside-requests.md, pasted into a fresh `startproject` as a reader pastes it, each way in run.

The blocks come from the rendered page in its order: a file block is applied as
its first line says (tests.test_quickstart.copy_into), and each command line
runs as a reader runs it, the server's aside. The server is then run as written,
with a real HTTP request and a real WebSocket. The API is tests/stand_in.py's,
named by the setting the page reads from the environment; what each process did
is read from the page's own context's log lines and from what it printed.
"""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.client import connect

from tests import servers
from tests.pasted_project import as_argv, copy_into, headers, imported_distributions, installed_by, user_env
from tests.rendered_docs import code_blocks, render
from tests.servers import ServerProcess
from tests.stand_in import stand_in_api

BLOCKS = code_blocks(render("outside-requests.md"))
SERVER = "uvicorn mysite.asgi:application"


def is_file(block: str) -> bool:
    return re.match(r"# [\w/]+\.py(: |\n)", block) is not None


FILES = [block for block in BLOCKS if is_file(block)]
COMMANDS = [line for block in BLOCKS if not is_file(block) for line in block.splitlines()]


def run_line(line: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(line) if line.startswith("mkdir ") else as_argv(line)
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


class Pasted:
    """The project made by following the page, and what each of its command lines wrote."""

    def __init__(self, where: Path, env: dict[str, str], api: str) -> None:
        self.path, self.env, self.api = where, env, api
        self.runs: dict[str, subprocess.CompletedProcess[str]] = {}
        for block in BLOCKS:
            if is_file(block):
                copy_into(self.path, block)
                continue
            for line in block.splitlines():
                if line.startswith("pip install") or line == SERVER:
                    continue  # Installed here already; the server is run by its test.
                if line.startswith("cd "):
                    self.path = self.path / line.removeprefix("cd ")
                    continue
                done = run_line(line, self.path, env)
                assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
                self.runs[line] = done

    def client_lines(self, output: str) -> list[str]:
        """The context's own lines, in order: opened or closed."""
        return [line for line in output.splitlines() if line.startswith("API client")]


@pytest.fixture(scope="module")
def pasted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pasted]:
    with stand_in_api() as api:
        env = {**user_env(), "SHOP_API_URL": api}
        yield Pasted(tmp_path_factory.mktemp("outside-requests"), env, api)


def test_the_page_shows_every_file_whole_with_its_imports() -> None:
    assert headers(FILES) == [
        "# mysite/settings.py: add at the end",
        "# shop/lifespan.py",
        "# shop/services.py",
        "# shop/views.py: replace the whole file",
        "# mysite/urls.py: replace the whole file",
        "# shop/consumers.py",
        "# mysite/asgi.py: replace the whole file",
        "# shop/management/commands/book.py",
        "# fetch_books.py",
        "# run_jobs.py",
    ]
    for name, where in [
        ("current_state", "# shop/services.py"),
        ("CurrentStateMiddleware", "# mysite/asgi.py"),
        ("LifespanCommand", "# shop/management/commands/book.py"),
        ("lifespan", "# fetch_books.py"),
        ("start_in_thread", "# run_jobs.py"),
    ]:
        (block,) = [block for block in FILES if block.startswith(where)]
        assert re.search(rf"^from django_lifespan_ctx[\w.]* import .*\b{name}\b", block, re.MULTILINE), name
    assert "python manage.py startapp shop" in COMMANDS and SERVER in COMMANDS


def test_the_install_line_names_every_package_the_code_imports() -> None:
    (install,) = [line for line in COMMANDS if line.startswith("pip install")]
    assert imported_distributions(FILES) - {"shop"} <= installed_by(install)
    assert "uvicorn" in installed_by(install)


def test_the_command_enters_the_lifespan_around_ahandle_and_prints_the_book(pasted: Pasted) -> None:
    done = pasted.runs["python manage.py book 1"]
    assert json.loads(done.stdout) == {"path": "/books/1/"}, done.stdout + done.stderr
    assert pasted.client_lines(done.stderr) == [f"API client opened for {pasted.api}", "API client closed"]


@pytest.mark.parametrize(
    ("line", "books"), [("python fetch_books.py 1 2", (1, 2)), ("python run_jobs.py 3 4", (3, 4))]
)
def test_the_script_and_the_job_runner_share_one_client_for_every_book(
    pasted: Pasted, line: str, books: tuple[int, int]
) -> None:
    done = pasted.runs[line]
    assert done.stdout.splitlines() == [str({"path": f"/books/{n}/"}) for n in books], (
        done.stdout + done.stderr
    )
    assert pasted.client_lines(done.stderr) == [f"API client opened for {pasted.api}", "API client closed"]


def test_the_served_project_reaches_the_client_from_a_view_and_a_websocket_consumer(pasted: Pasted) -> None:
    argv = servers.documented(SERVER)
    server = ServerProcess(argv, settings=None, cwd=pasted.path, repo_on_path=False)
    server.env = {**pasted.env, "PYTHONPATH": str(pasted.path), "PYTHONUNBUFFERED": "1"}
    with server:
        server.wait_for("Uvicorn running on", timeout=60)  # Listening: uvicorn binds after the startup.
        answer = server.get("/books/1/")
        with connect(f"ws://127.0.0.1:{server.port}/ws/books/", open_timeout=30) as websocket:
            websocket.send(json.dumps({"book_id": 2}))
            received = json.loads(websocket.recv(timeout=30))
        code = server.stop(signal.SIGINT, timeout=60)
    assert answer.status_code == 200 and answer.json() == {"path": "/books/1/"}, server.output
    assert received == {"path": "/books/2/"}, server.output
    # One client for the server, closed when it stopped.
    assert pasted.client_lines(server.output) == [f"API client opened for {pasted.api}", "API client closed"]
    assert code == 0, server.output
