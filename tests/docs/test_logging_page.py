"""docs/logging.md, pasted as a reader pastes it into a fresh project, and served.

The blocks come from the rendered page, in order: the quickstart's project, served with
no LOGGING (development shows the phase lines), then the page's LOGGING with a handler
of its own (every context's lines, once, under uvicorn and daphne), then the one-handler
alternative (once under daphne too).
"""

from __future__ import annotations

import shutil
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
    served_as_a_user_runs_it,
    start_project,
)
from tests.rendered_docs import code_blocks, render

BLOCKS = code_blocks(render("logging.md"))
FILES = file_blocks(BLOCKS)
INSTALL = command_block(BLOCKS, "pip install django-lifespan-ctx")
UVICORN = command_block(BLOCKS, "uvicorn ")
DAPHNE = command_block(BLOCKS, "pip install daphne")
CONTEXT = "mysite.lifespan.http_client"
PROJECT_ONLY, OWN_HANDLER, LAZY, ONE_HANDLER = 3, 4, 5, 6  # How many of the page's files each stage has.


def lines(output: str) -> dict[str, int]:
    """How often each line the library logs for this project was printed."""
    messages = ["Lifespan startup complete in", "Lifespan shutdown complete in"]
    messages += [f"Entered '{CONTEXT}' in", f"Exited '{CONTEXT}' in"]
    return {message: output.count(message) for message in messages}


@pytest.fixture(scope="module")
def stages(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """The project as the reader has it after each stage of the page."""
    return {
        files: start_project(tmp_path_factory.mktemp(f"logging{files}"), INSTALL, FILES[:files])
        for files in (PROJECT_ONLY, OWN_HANDLER, LAZY, ONE_HANDLER)
    }


def under_uvicorn(project: Path) -> str:
    (command,) = UVICORN.splitlines()
    argv = servers.documented(command)
    with served_as_a_user_runs_it(argv, project) as server:
        server.wait_for("Uvicorn running on", timeout=60)
        assert server.get("/admin/login/").status_code == 200, server.output
        assert server.stop(signal.SIGINT, timeout=60) == 0, server.output
    return server.output


def under_daphne(project: Path) -> str:
    install, command = DAPHNE.splitlines()
    assert installed_by(install) == {"daphne"}
    argv = servers.documented(command)
    assert argv[0] == "daphne"
    with served_as_a_user_runs_it(argv, project) as server:
        server.wait_for("Listening on TCP address", timeout=60)
        assert server.get("/admin/login/").status_code == 200, server.output
        assert server.stop(signal.SIGINT, timeout=60) == 0, server.output
    return server.output


def test_the_page_builds_the_quickstart_project_then_adds_logging() -> None:
    assert headers(FILES) == [
        "# mysite/asgi.py: replace the whole file",
        "# mysite/settings.py: add at the end",
        "# mysite/lifespan.py",
        "# mysite/settings.py: add at the end",
        "# mysite/settings.py: add at the end",
        "# mysite/settings.py: add at the end",
    ]
    assert "LOGGING = {" in FILES[OWN_HANDLER - 1]
    assert "LIFESPAN_LAZY_STARTUP = True" in FILES[LAZY - 1]  # daphne sends no lifespan events.
    assert "LOGGING = {" in FILES[ONE_HANDLER - 1]
    assert '"propagate": False' in FILES[OWN_HANDLER - 1]
    assert imported_distributions(FILES) <= installed_by(INSTALL)


def test_in_development_without_logging_the_phase_lines_are_printed(stages: dict[int, Path]) -> None:
    output = under_uvicorn(stages[PROJECT_ONLY])
    assert "INFO     django_lifespan_ctx: Lifespan startup complete in" in output, output
    assert lines(output) == {
        "Lifespan startup complete in": 1,
        "Lifespan shutdown complete in": 1,
        f"Entered '{CONTEXT}' in": 0,  # DEBUG: only once the project asks for it.
        f"Exited '{CONTEXT}' in": 0,
    }, output


def test_the_pages_logging_prints_each_context_once_under_uvicorn(stages: dict[int, Path]) -> None:
    output = under_uvicorn(stages[OWN_HANDLER])
    assert set(lines(output).values()) == {1}, output


def test_the_pages_logging_prints_each_line_once_under_daphne(stages: dict[int, Path]) -> None:
    output = under_daphne(stages[LAZY])
    assert set(lines(output).values()) == {1}, output


def test_without_propagate_false_daphne_prints_each_line_twice(
    stages: dict[int, Path], tmp_path: Path
) -> None:
    """What the page warns of: daphne's root handler prints a propagating line again."""
    propagating = tmp_path / "propagating"
    shutil.copytree(stages[LAZY], propagating, ignore=shutil.ignore_patterns("__pycache__"))
    settings = propagating / "mysite" / "settings.py"
    assert settings.read_text().count('"propagate": False') == 1
    settings.write_text(settings.read_text().replace('"propagate": False', '"propagate": True'))
    output = under_daphne(propagating)
    assert set(lines(output).values()) == {2}, output


def test_one_handler_on_the_root_prints_each_line_once_under_daphne(stages: dict[int, Path]) -> None:
    output = under_daphne(stages[ONE_HANDLER])
    assert set(lines(output).values()) == {1}, output
