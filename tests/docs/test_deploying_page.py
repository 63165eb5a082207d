"""docs/deploying.md, pasted as a reader pastes it into a fresh `startproject`.

tests/server_processes/test_deploying.py serves the pasted project with every command on the page;
this module builds it (`paste_the_page`) and checks what needs no server.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.pasted_project import (
    command_block,
    file_blocks,
    headers,
    imported_distributions,
    installed_by,
    lifespan_command_output,
    manage_py_check,
    run_in,
    start_project,
    user_env,
)
from tests.rendered_docs import REPO, code_blocks, render

BLOCKS = code_blocks(render("deploying.md"))
FILES = file_blocks(BLOCKS)
INSTALL = command_block(BLOCKS, "pip install django-lifespan-ctx")


def paste_the_page(where: Path) -> Path:
    """The page's install block run and its files pasted, in order: the project's directory."""
    return start_project(where, INSTALL, FILES)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return paste_the_page(tmp_path_factory.mktemp("deploying"))


def test_the_page_shows_every_file_whole_in_the_order_a_reader_makes_them() -> None:
    assert headers(FILES) == [
        "# mysite/settings.py: add at the end",
        "# mysite/lifespan.py",
        "# mysite/asgi.py: replace the whole file",
        "# mysite/views.py",
        "# mysite/urls.py: replace the whole file",
        "# mysite/settings.py: add at the end",
        "# mysite/settings_daphne.py",
    ]
    source = (REPO / "docs" / "deploying.md").read_text()
    assert "myproject" not in source
    assert "docs/examples/deploying/" not in source  # The old fragments, no longer shown.


def test_the_install_line_names_every_package_the_code_imports() -> None:
    assert imported_distributions(FILES) <= installed_by(INSTALL)


def test_the_pasted_project_passes_its_checks_with_both_settings(project: Path) -> None:
    assert "no issues" in manage_py_check(project)
    env = {**user_env(), "DJANGO_SETTINGS_MODULE": "mysite.settings_daphne"}
    result = run_in(project, "python manage.py check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_lifespan_enters_the_context_and_logs_with_the_pid(project: Path) -> None:
    output = lifespan_command_output(project)
    assert "mysite.lifespan.worker_info" in output
    # The page's LOGGING: one startup and one shutdown line, the process id in front.
    assert len(re.findall(r"^\[\d+\] INFO django_lifespan_ctx: Lifespan startup complete", output, re.M)) == 1
    assert (
        len(re.findall(r"^\[\d+\] INFO django_lifespan_ctx: Lifespan shutdown complete", output, re.M)) == 1
    )
