"""docs/contexts.md, pasted as a reader pastes it into a fresh project, and served under uvicorn.

The blocks come from the rendered page, in order: the settings with a sync context, a
group and a factory that takes the state, the contexts, a view and its URL, then
`startapp payments` with an AppConfig that ships a context. The books API the state's
factory calls is a setting, which the test points at tests/stand_in.py's stand-in.
"""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest

from tests import servers, stand_in
from tests.pasted_project import (
    command_block,
    copy_into,
    headers,
    imported_distributions,
    installed_by,
    manage_py_check,
    point_setting_at_stand_in,
    run_in,
    served_as_a_user_runs_it,
    start_project,
)
from tests.rendered_docs import code_blocks, render

BLOCKS = code_blocks(render("contexts.md"))
INSTALL = command_block(BLOCKS, "pip install")
UVICORN = command_block(BLOCKS, "uvicorn ")
STARTAPP = command_block(BLOCKS, "python manage.py startapp")
FILES = [block for block in BLOCKS if re.match(r"# \w+/\w+\.py", block)]

# As the settings list them, the app's first: the order they are entered in.
ENTERED = [
    "payments.lifespan.payments_client",
    "mysite.lifespan.image_pool",
    "mysite.lifespan.http_client",
    "mysite.lifespan.cover_cache",
    "mysite.lifespan.books_api",
]


def paste(where: Path, blocks: list[str]) -> Path:
    """The page's blocks in order, as a reader does them: commands run, files pasted."""
    project = start_project(where, INSTALL, [])
    for block in blocks:
        if block in FILES:
            copy_into(project, block)
        elif block == STARTAPP:
            start_project(project, block, [])  # Its lines run in the project, as the install's did.
    return project


api = stand_in.api_for_the_module


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, api: str) -> Path:
    project = paste(tmp_path_factory.mktemp("contexts"), BLOCKS)
    point_setting_at_stand_in(
        project, 'BOOKS_API_URL = "https://api.example.com/"', f'BOOKS_API_URL = "{api}/"'
    )
    return project


def test_the_page_shows_each_file_whole_and_the_app_from_startapp() -> None:
    assert headers(FILES) == [
        "# mysite/asgi.py: replace the whole file",
        "# mysite/settings.py: add at the end",
        "# mysite/lifespan.py",
        "# mysite/views.py",
        "# mysite/urls.py: replace the whole file",
        "# payments/apps.py: replace the whole file",
        "# payments/lifespan.py",
        "# mysite/settings.py: add at the end",
    ]
    assert BLOCKS.index(STARTAPP) < BLOCKS.index(FILES[5])
    assert imported_distributions(FILES) - {"payments"} <= installed_by(INSTALL)


def test_manage_py_check_passes_on_the_pasted_project(project: Path) -> None:
    assert "no issues" in manage_py_check(project)


def test_lifespan_list_puts_the_apps_context_first_and_names_its_origin(project: Path) -> None:
    result = run_in(project, "python manage.py lifespan --list")
    assert result.returncode == 0, result.stdout + result.stderr
    listed: list[str] = re.findall(r"[\w.]+\.lifespan\.\w+", result.stdout)
    assert listed == ENTERED, result.stdout
    assert "app 'payments' lifespan_contexts[0]" in result.stdout


def logged(output: str, verb: str) -> list[str]:
    return re.findall(rf"^{verb} '([\w.]+)' in ", output, flags=re.MULTILINE)


def test_served_the_contexts_enter_in_order_build_on_each_other_and_exit_in_reverse(
    project: Path,
) -> None:
    (command,) = UVICORN.splitlines()
    argv = servers.documented(command)
    assert argv[0] == "uvicorn"
    with served_as_a_user_runs_it(argv, project) as server:
        server.wait_for("Uvicorn running on", timeout=60)
        answer = server.get("/books/")
        code = server.stop(signal.SIGINT, timeout=60)
    # The view called the stand-in through books_api, built on the group's http_client.
    assert answer.status_code == 200, server.output
    assert answer.json() == {"path": "/books/"}
    entered = logged(server.output, "Entered")
    # The group's two members are entered together, in either order; everything else in list order.
    assert entered[:2] == ENTERED[:2], server.output
    assert set(entered[2:4]) == set(ENTERED[2:4]), server.output
    assert entered[4:] == ENTERED[4:], server.output
    exited = logged(server.output, "Exited")
    assert exited[0] == ENTERED[-1], server.output
    assert set(exited[1:3]) == set(ENTERED[2:4]), server.output
    assert exited[3:] == ENTERED[1::-1], server.output
    assert "Lifespan shutdown complete" in server.output
    assert code == 0, server.output
