"""The quickstart page, copied as a reader copies it, into a fresh project, served.

The blocks come from the rendered page (snippets included, as mkdocs includes
them), so the page and this test cannot drift apart. The project is served both
ways the page shows: uvicorn, and its own `manage.py runserver`.
"""

from __future__ import annotations

import json
import shlex
import shutil
import signal
from pathlib import Path

import pytest

from tests import servers
from tests.pasted_project import (
    command_block,
    headers,
    imported_distributions,
    installed_by,
    run_in,
    served_as_a_user_runs_it,
    start_project,
)
from tests.rendered_docs import REPO, code_blocks, inline_code_after, markdown_code_blocks, render
from tests.runserver_helpers import BANNER

HTML = render("quickstart.md")
BLOCKS = code_blocks(HTML)
FILES = [block for block in BLOCKS if block.startswith("# mysite/")]
INSTALL = command_block(BLOCKS, "pip install")
UVICORN = command_block(BLOCKS, "uvicorn ")
RUNSERVER = command_block(BLOCKS, "python manage.py runserver")
LIFESPAN = command_block(BLOCKS, "python manage.py lifespan")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # pip aside: installed here already; test_the_install_line_... checks what it names.
    return start_project(tmp_path_factory.mktemp("quickstart"), INSTALL, FILES)


def test_the_page_covers_settings_a_context_asgi_a_view_and_its_url() -> None:
    assert headers(FILES) == [
        "# mysite/settings.py: add at the end",
        "# mysite/lifespan.py",
        "# mysite/asgi.py: replace the whole file",
        "# mysite/views.py",
        "# mysite/urls.py: replace the whole file",
    ]
    assert 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")' in FILES[2]
    assert 'request.state["http_client"]' in FILES[3]


def test_the_install_line_names_every_package_the_code_imports() -> None:
    imported, installed = imported_distributions(FILES), installed_by(INSTALL)
    assert imported <= installed, f"{imported - installed} not installed"


def test_the_project_serves_the_view_and_closes_the_context(project: Path) -> None:
    (command,) = UVICORN.splitlines()
    argv = servers.documented(command)
    assert argv[0] == "uvicorn"
    with served_as_a_user_runs_it(argv, project) as server:
        server.wait_for("Uvicorn running on")  # Listening: uvicorn binds after the startup.
        first, second = server.get("/"), server.get("/")
        code = server.stop(signal.SIGINT)
    promised = json.loads(inline_code_after(HTML, "the view answers"))
    assert first.status_code == 200, server.output
    assert first.json() == second.json() == promised
    assert "Application shutdown complete" in server.output
    assert code == 0, server.output


def test_the_projects_own_runserver_is_ours_and_serves_the_state(project: Path) -> None:
    """The settings put our app before staticfiles, so `runserver` runs the lifespan."""
    (command,) = RUNSERVER.splitlines()
    words = shlex.split(command)
    assert words[:2] == ["python", "manage.py"]
    # `python -m manage` is `python manage.py` with ServerProcess's interpreter.
    argv = ["manage", *words[2:], "127.0.0.1:{port}"]
    with served_as_a_user_runs_it(argv, project) as server:
        server.wait_for(BANNER)
        first, second = server.get("/"), server.get("/")
        # Ctrl+C in its terminal: the autoreloader's parent and the serving child.
        code = server.stop(signal.SIGINT, whole_group=True)
    promised = json.loads(inline_code_after(HTML, "the view answers"))
    assert first.status_code == 200, server.output
    assert first.json() == second.json() == promised
    assert "Application startup complete" in server.output
    assert "Lifespan shutdown complete" in server.output, server.output
    assert code == 0, server.output


def test_appended_after_staticfiles_runserver_is_djangos_and_says_why(project: Path, tmp_path: Path) -> None:
    """What the page warns of: `INSTALLED_APPS += [...]` leaves runserver to staticfiles."""
    late = tmp_path / "late"
    shutil.copytree(project, late, ignore=shutil.ignore_patterns("__pycache__", "db.sqlite3"))
    settings = late / "mysite" / "settings.py"
    first = 'INSTALLED_APPS.insert(0, "django_lifespan_ctx")'
    assert first in settings.read_text()
    settings.write_text(settings.read_text().replace(first, 'INSTALLED_APPS += ["django_lifespan_ctx"]'))
    with served_as_a_user_runs_it(["manage", "runserver", "127.0.0.1:{port}"], late) as server:
        server.wait_for("Quit the server with")
        answer = server.get("/")
        server.stop(signal.SIGINT, whole_group=True)
    assert answer.status_code == 500
    assert BANNER not in server.output
    assert "before 'django.contrib.staticfiles'" in server.output, server.output


def test_the_lifespan_commands_run_in_the_project(project: Path) -> None:
    for line in LIFESPAN.splitlines():
        result = run_in(project, line)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "mysite.lifespan.http_client" in result.stdout


def test_the_readme_shows_the_quickstart_code_unchanged() -> None:
    readme = markdown_code_blocks((REPO / "README.md").read_text())
    shown = [block for block in readme if block.startswith("# mysite/")]
    assert shown == FILES
    assert INSTALL in readme and UVICORN in readme and RUNSERVER in readme
