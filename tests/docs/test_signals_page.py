"""docs/signals.md, pasted as a reader pastes it into a fresh project, and served under uvicorn.

The blocks come from the rendered page, in order: startapp library, the settings, the
receivers' handler, the AppConfig that connects them in ready(), the view and its URL.
"""

from __future__ import annotations

import json
import re
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
    manage_py_check,
    served_as_a_user_runs_it,
    start_project,
)
from tests.rendered_docs import code_blocks, inline_code_after, render

HTML = render("signals.md")
BLOCKS = code_blocks(HTML)
INSTALL = command_block(BLOCKS, "pip install")
UVICORN = command_block(BLOCKS, "uvicorn ")
FILES = [block for block in BLOCKS if re.match(r"# \w+/\w+\.py", block)]
OPENED = "Opened the library's httpx client"
CLOSED = "Closed the library's httpx client"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return start_project(tmp_path_factory.mktemp("signals"), INSTALL, FILES)


def uvicorn_argv() -> list[str]:
    (command,) = UVICORN.splitlines()
    argv = servers.documented(command)
    assert argv[0] == "uvicorn"
    return argv


def test_the_page_shows_startapp_and_each_file_whole() -> None:
    assert "python manage.py startapp library" in INSTALL.splitlines()
    assert headers(FILES) == [
        "# mysite/asgi.py: replace the whole file",
        "# mysite/settings.py: add at the end",
        "# library/handlers.py",
        "# library/apps.py: replace the whole file",
        "# library/views.py: replace the whole file",
        "# mysite/urls.py: replace the whole file",
    ]
    assert imported_distributions(FILES) - {"library"} <= installed_by(INSTALL)


def test_manage_py_check_passes_on_the_pasted_project(project: Path) -> None:
    assert "no issues" in manage_py_check(project)


def test_the_receivers_open_the_client_for_the_views_and_close_it_at_shutdown(project: Path) -> None:
    with served_as_a_user_runs_it(uvicorn_argv(), project) as server:
        server.wait_for("Uvicorn running on", timeout=60)
        answer = server.get("/client/")
        assert CLOSED not in server.output
        code = server.stop(signal.SIGINT, timeout=60)
    promised = json.loads(inline_code_after(HTML, "answers"))
    assert answer.status_code == 200, server.output
    assert answer.json() == promised
    output = server.output
    assert output.count(OPENED) == output.count(CLOSED) == 1, output
    # asgi_shutdown is sent before the contexts exit: the phase ends after the receiver.
    assert output.index(CLOSED) < output.index("Lifespan shutdown complete"), output
    assert code == 0, output


def test_a_startup_receiver_that_raises_fails_startup_and_gets_no_shutdown(
    project: Path, tmp_path: Path
) -> None:
    """What the page promises: startup fails, the server is told, asgi_shutdown is not sent."""
    broken = tmp_path / "broken"
    shutil.copytree(project, broken, ignore=shutil.ignore_patterns("__pycache__", "db.sqlite3"))
    handlers = broken / "library" / "handlers.py"
    opened = f'        logger.info("{OPENED}")\n'
    assert opened in handlers.read_text()
    handlers.write_text(
        handlers.read_text().replace(opened, opened + '        raise RuntimeError("no network")\n')
    )
    with served_as_a_user_runs_it(uvicorn_argv(), broken) as server:
        code = server.wait_for_exit(timeout=60)
    output = server.output
    assert OPENED in output, output
    assert "no network" in output, output
    assert "Application startup failed" in output, output
    assert CLOSED not in output, output
    assert code != 0, output
