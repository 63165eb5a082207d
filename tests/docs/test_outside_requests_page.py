"""docs/outside-requests.md, pasted into a fresh `startproject` as a reader pastes it, each way in run.

The blocks come from the rendered page in its order: a file block is applied as
its first line says (tests.pasted_project.copy_into), and each command line
runs as a reader runs it, the server's aside. The server is then run as written,
with a real HTTP request and a real WebSocket. The API is tests/stand_in.py's,
named by the setting the page reads from the environment; what each process did
is read from the page's own context's log lines and from what it printed.
"""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Iterator

import pytest
from websockets.sync.client import connect

from tests import servers
from tests.pasted_project import (
    Pasted,
    headers,
    imported_distributions,
    installed_by,
    is_python_file,
    pasted_with_api,
    served_as_a_user_runs_it,
)
from tests.rendered_docs import code_blocks, render

BLOCKS = code_blocks(render("outside-requests.md"))
SERVER = "uvicorn mysite.asgi:application"


FILES = [block for block in BLOCKS if is_python_file(block)]
COMMANDS = [line for block in BLOCKS if not is_python_file(block) for line in block.splitlines()]


def client_lines(output: str) -> list[str]:
    """The context's own lines, in order: opened or closed."""
    return [line for line in output.splitlines() if line.startswith("API client")]


@pytest.fixture(scope="module")
def pasted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pasted]:
    # The server is left for its test to run.
    with pasted_with_api(BLOCKS, tmp_path_factory.mktemp("outside-requests"), SERVER) as pasted:
        yield pasted


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
    assert client_lines(done.stderr) == [f"API client opened for {pasted.api}", "API client closed"]


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
    assert client_lines(done.stderr) == [f"API client opened for {pasted.api}", "API client closed"]


def test_the_served_project_reaches_the_client_from_a_view_and_a_websocket_consumer(pasted: Pasted) -> None:
    argv = servers.documented(SERVER)
    with served_as_a_user_runs_it(argv, pasted.path, pasted.env) as server:
        server.wait_for("Uvicorn running on", timeout=60)  # Listening: uvicorn binds after the startup.
        answer = server.get("/books/1/")
        with connect(f"ws://127.0.0.1:{server.port}/ws/books/", open_timeout=30) as websocket:
            websocket.send(json.dumps({"book_id": 2}))
            received = json.loads(websocket.recv(timeout=30))
        code = server.stop(signal.SIGINT, timeout=60)
    assert answer.status_code == 200 and answer.json() == {"path": "/books/1/"}, server.output
    assert received == {"path": "/books/2/"}, server.output
    # One client for the server, closed when it stopped.
    assert client_lines(server.output) == [f"API client opened for {pasted.api}", "API client closed"]
    assert code == 0, server.output
