"""docs/services.md, pasted as a reader pastes it into a fresh project, and served under uvicorn.

The blocks come from the rendered page, in order. The featured-book job calls an API;
its address is a setting, which the test points at tests/stand_in.py's stand-in.
"""

from __future__ import annotations

import ast
import signal
from pathlib import Path

import pytest

from tests import servers, stand_in
from tests.pasted_project import (
    command_block,
    file_blocks,
    headers,
    imported_distributions,
    installed_by,
    manage_py_check,
    point_setting_at_stand_in,
    served_as_a_user_runs_it,
    start_project,
)
from tests.rendered_docs import code_blocks, render
from tests.servers import ServerProcess

BLOCKS = code_blocks(render("services.md"))
FILES = file_blocks(BLOCKS)
INSTALL = command_block(BLOCKS, "pip install")
UVICORN = command_block(BLOCKS, "uvicorn ")

SERVICES = {
    "mysite.events.forward_events": ("background", True),
    "mysite.spool.flush_spool": ("background", False),
    "featured-book": ("every", False),
}


api = stand_in.api_for_the_module


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, api: str) -> Path:
    project = start_project(tmp_path_factory.mktemp("services"), INSTALL, FILES)
    point_setting_at_stand_in(
        project,
        'FEATURED_BOOK_URL = "https://api.example.com/',
        f'FEATURED_BOOK_URL = "{api}/books/featured/"',
    )
    return project


def test_the_page_shows_each_file_whole_and_where_every_comes_from() -> None:
    assert headers(FILES) == [
        "# mysite/asgi.py: replace the whole file",
        "# mysite/settings.py: add at the end",
        "# mysite/events.py",
        "# mysite/spool.py",
        "# mysite/featured.py",
        "# mysite/settings.py: add at the end",
        "# mysite/views.py",
        "# mysite/urls.py: replace the whole file",
    ]
    for block in FILES:
        tree = ast.parse(block)
        called = {
            n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        for name in called & {"background", "every"}:
            assert f"from django_lifespan_ctx.contexts import {name}" in block, block


def test_the_install_line_names_every_package_the_code_imports() -> None:
    assert imported_distributions(FILES) <= installed_by(INSTALL)


def test_manage_py_check_passes_on_the_pasted_project(project: Path) -> None:
    assert "no issues" in manage_py_check(project)


def test_the_services_do_their_work_under_uvicorn_and_stop_before_the_lifespan_ends(project: Path) -> None:
    (command,) = UVICORN.splitlines()
    argv = servers.documented(command)
    assert argv[0] == "uvicorn"
    server: ServerProcess
    with served_as_a_user_runs_it(argv, project) as server:
        server.wait_for("Application startup complete", timeout=60)
        for name in SERVICES:
            server.wait_for(rf"'{name}'\) started")
        server.wait_for(r"featured book refreshed \(1\)")

        sent = server.get("/events/?name=hello")
        assert sent.status_code == 202, server.output
        assert sent.json() == {"queued": "hello"}
        server.wait_for("forwarded hello")  # The async service, on the server's loop.
        server.wait_for("flushed 1 spooled events")  # The sync service, in its thread.

        featured = server.get("/featured/").json()
        assert featured["book"] == {"path": "/books/featured/"}  # What the stand-in answered.
        assert featured["refreshes"] >= 1

        ready = server.get("/readyz/")
        assert ready.status_code == 200, ready.text
        listed = {s["name"]: s for s in ready.json()["services"]}
        assert set(listed) == set(SERVICES)
        for name, (kind, critical) in SERVICES.items():
            assert listed[name]["kind"] == kind
            assert listed[name]["critical"] is critical
            assert listed[name]["status"] == "running", listed[name]
            assert listed[name]["restarts"] == 0

        code = server.stop(signal.SIGINT, timeout=60)
    assert code == 0, server.output
    lines = server.output.splitlines()
    stopped = [i for i, line in enumerate(lines) if line.endswith(" stopped.")]
    assert len(stopped) == len(SERVICES), server.output
    # Each service is stopped, and the lifespan shutdown completes after the last of them.
    shutdown = next(i for i, line in enumerate(lines) if "Application shutdown complete" in line)
    assert max(stopped) < shutdown
    assert "Traceback" not in server.output, server.output
