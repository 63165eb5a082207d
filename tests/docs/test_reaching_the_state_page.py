"""docs/reaching-the-state.md, pasted as a reader pastes it into a fresh project, served under uvicorn.

The blocks come from the rendered page, in order: the settings, the context, the
service layer, the views, the thread recipes, asgi.py and urls.py. The catalogue
service the client calls is a stand-in on 127.0.0.1, named by the page's own
CATALOGUE_URL setting; each recipe is called through a real request.
"""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest

from tests import servers
from tests.pasted_project import (
    command_block,
    file_blocks,
    headers,
    imported_distributions,
    installed_by,
    manage_py_check,
    run_in,
    served_as_a_user_runs_it,
    start_project,
)
from tests.rendered_docs import code_blocks, render
from tests.stand_in import stand_in_api

BLOCKS = code_blocks(render("reaching-the-state.md"))
FILES = file_blocks(BLOCKS)
INSTALL = command_block(BLOCKS, "pip install")
(UVICORN,) = command_block(BLOCKS, "uvicorn ").splitlines()
(MANAGE_PY_TEST,) = command_block(BLOCKS, "python manage.py test").splitlines()


def catalogue(path: str) -> tuple[int, object]:
    """GET /books/<isbn>/ answers {"title": ...}; anything else, 404."""
    found = re.fullmatch(r"/books/([\w-]+)/", path)
    return (200, {"title": f"The book numbered {found.group(1)}"}) if found else (404, {})


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return start_project(tmp_path_factory.mktemp("reaching"), INSTALL, FILES)


def test_the_page_shows_each_file_whole_and_installs_what_it_imports() -> None:
    assert headers(FILES) == [
        "# mysite/lifespan.py",
        "# mysite/settings.py: add at the end",
        "# mysite/services.py",
        "# mysite/views.py",
        "# mysite/threads.py",
        "# mysite/asgi.py: replace the whole file",
        "# mysite/urls.py: replace the whole file",
        "# mysite/tests.py",
    ]
    assert imported_distributions(FILES) <= installed_by(INSTALL) | {"asgiref"}  # asgiref comes with Django.


def test_manage_py_check_passes_on_the_pasted_project(project: Path) -> None:
    assert "no issues" in manage_py_check(project)


def test_every_recipe_reaches_the_one_client_under_uvicorn(project: Path) -> None:
    argv = servers.documented(UVICORN)
    assert argv[0] == "uvicorn"
    # Keep-alive: the client's pool then holds the connection.
    with stand_in_api(catalogue, keep_alive=True) as url:
        server = served_as_a_user_runs_it(argv, project)
        server.env["CATALOGUE_URL"] = url
        with server:
            server.wait_for("Uvicorn running on", timeout=60)  # uvicorn binds after the startup.
            # The async view first, so that the client's pool holds a connection when the
            # sync code calls it: on any loop but the server's, httpx would then fail.
            answers = [
                server.get("/async/books/978-1/"),
                server.get("/books/978-2/"),
                server.get("/books/978-3/"),
                server.get("/titles/?isbn=978-4&isbn=978-5"),
            ]
            code = server.stop(signal.SIGINT)
    assert [answer.status_code for answer in answers] == [200] * 4, server.output
    assert [answer.json() for answer in answers[:3]] == [
        {"title": "The book numbered 978-1"},
        {"title": "The book numbered 978-2"},
        {"title": "The book numbered 978-3"},
    ]
    assert answers[3].json() == {
        "from_a_pool": ["The book numbered 978-4", "The book numbered 978-5"],
        "from_sync_work": "The book numbered 978-4",
    }
    assert "Traceback" not in server.output, server.output
    assert "Application shutdown complete" in server.output, server.output
    assert code == 0, server.output


def test_the_pages_tests_replace_the_client_and_pass(project: Path) -> None:
    # No catalogue service runs: only the fake answers, under the real lifespan.
    done = run_in(project, MANAGE_PY_TEST, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Ran 3 tests" in done.stderr and "\nOK" in done.stderr, done.stderr
