"""The quickstart page, copied as a reader copies it, into a fresh project, served.

The blocks come from the rendered page (snippets included, as mkdocs includes
them), so the page and this test cannot drift apart. The project is served both
ways the page shows: uvicorn, and its own `manage.py runserver`.
"""

from __future__ import annotations

import ast
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests import servers
from tests.rendered_docs import REPO, code_blocks, inline_code_after, markdown_code_blocks, render
from tests.runserver_helpers import BANNER
from tests.servers import ServerProcess

HTML = render("quickstart.md")
BLOCKS = code_blocks(HTML)
FILES = [block for block in BLOCKS if block.startswith("# mysite/")]
COMMANDS = [block for block in BLOCKS if block not in FILES]


def command_block(first_words: str) -> str:
    """The one command block of the page that starts with these words."""
    (block,) = [block for block in COMMANDS if block.startswith(first_words)]
    return block


INSTALL = command_block("pip install")
UVICORN = command_block("uvicorn ")
RUNSERVER = command_block("python manage.py runserver")
LIFESPAN = command_block("python manage.py lifespan")


def user_env() -> dict[str, str]:
    # A user's shell: nothing of this test run's Django settings or import path.
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "PYTEST")) and k != "PYTHONPATH"
    }


def as_argv(command: str) -> list[str]:
    """A documented command, run with this interpreter (the one the package is installed in)."""
    words = shlex.split(command)
    if words[0] == "django-admin":
        return [sys.executable, "-m", "django", *words[1:]]
    if words[0] == "python":
        return [sys.executable, *words[1:]]
    raise AssertionError(f"the quickstart runs a command this test does not know: {command!r}")


def copy_into(project: Path, block: str) -> Path:
    """Do what the block's first line says: create, replace, or add at the end."""
    header = block.splitlines()[0].removeprefix("# ")
    relative, _, how = header.partition(": ")
    target = project / relative
    if how == "add at the end":
        target.write_text(target.read_text() + "\n" + block)
    elif how == "replace the whole file":
        assert target.is_file(), f"{relative} is to be replaced, but startproject made no such file"
        target.write_text(block)
    else:
        assert how == "", f"unknown instruction {how!r} in {header!r}"
        assert not target.exists(), f"{relative} is to be created, but startproject made one already"
        target.write_text(block)
    return target


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cwd = tmp_path_factory.mktemp("quickstart")
    for line in INSTALL.splitlines():
        if line.startswith("pip install"):
            continue  # Already installed here; test_the_install_line_... checks what it names.
        if line.startswith("cd "):
            cwd = cwd / line.removeprefix("cd ")
            continue
        subprocess.run(as_argv(line), cwd=cwd, env=user_env(), check=True, timeout=60)
    for block in FILES:
        copy_into(cwd, block)
    return cwd


def test_the_page_covers_settings_a_context_asgi_a_view_and_its_url() -> None:
    headers = [block.splitlines()[0] for block in FILES]
    assert headers == [
        "# mysite/settings.py: add at the end",
        "# mysite/lifespan.py",
        "# mysite/asgi.py: replace the whole file",
        "# mysite/views.py",
        "# mysite/urls.py: replace the whole file",
    ]
    assert 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")' in FILES[2]
    assert 'request.state["http_client"]' in FILES[3]


def test_the_install_line_names_every_package_the_code_imports() -> None:
    installed = shlex.split(INSTALL.splitlines()[0])[2:]
    distributions = {"django": "django-lifespan-ctx", "django_lifespan_ctx": "django-lifespan-ctx"}
    for block in FILES:
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.Import | ast.ImportFrom) and not getattr(node, "level", 0):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                for name in names:
                    top = str(name).split(".")[0]
                    if top not in sys.stdlib_module_names:
                        assert distributions.get(top, top) in installed, f"{top} is not installed"


def served_as_a_user_runs_it(argv: list[str], project: Path) -> ServerProcess:
    """`python -m argv...` in the project, from a user's shell: only the project on the path."""
    server = ServerProcess(argv, settings=None, cwd=project, repo_on_path=False)
    server.env = {**user_env(), "PYTHONPATH": str(project), "PYTHONUNBUFFERED": "1"}
    return server


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
        result = subprocess.run(
            as_argv(line), cwd=project, env=user_env(), capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "mysite.lifespan.http_client" in result.stdout


def test_the_readme_shows_the_quickstart_code_unchanged() -> None:
    readme = markdown_code_blocks((REPO / "README.md").read_text())
    shown = [block for block in readme if block.startswith("# mysite/")]
    assert shown == FILES
    assert INSTALL in readme and UVICORN in readme and RUNSERVER in readme
