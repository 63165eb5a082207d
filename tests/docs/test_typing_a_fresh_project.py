"""docs/typing.md's configuration passes mypy and pyright on a fresh `startproject` that grew a service.

The project is built as a reader builds it: `django-admin startproject`, then the
quickstart page's files, then the typing page's files (its pyproject.toml, the typed
context and view, and a day-two `every(...)` service), each read from the rendered
pages, so the pages and this test cannot drift apart. The checkers are the real ones
from this virtual environment, which the project's `.venv` links to.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.pasted_project import assert_type_checkers_pass, copy_into, edited, headers, run_in
from tests.rendered_docs import REPO, code_blocks, render

ANNOTATED = "LIFESPAN_CONTEXTS: list[LifespanEntry] = "
FILE_HEADERS = ("# mysite/", "# pyproject.toml")


def files_on(page: str) -> list[str]:
    """The page's blocks that are whole files or lines to add, in the page's order."""
    return [block for block in code_blocks(render(page)) if block.startswith(FILE_HEADERS)]


QUICKSTART = files_on("quickstart.md")
TYPING = files_on("typing.md")


def run(command: str, project: Path) -> subprocess.CompletedProcess[str]:
    return run_in(project, command, timeout=300)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cwd = tmp_path_factory.mktemp("typed")
    started = run("django-admin startproject mysite", cwd)
    assert started.returncode == 0, started.stderr
    project = cwd / "mysite"
    # The page's pyright settings name `.venv` next to manage.py: this run's, with the stubs.
    (project / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    for block in [*QUICKSTART, *TYPING]:
        copy_into(project, block)
    return project


def test_the_typing_page_shows_a_config_the_typed_files_and_a_service() -> None:
    assert headers(TYPING) == [
        "# pyproject.toml",
        "# mysite/state.py",
        "# mysite/lifespan.py: replace the whole file",
        "# mysite/views.py: replace the whole file",
        "# mysite/services.py",
        "# mysite/settings.py: add at the end",
    ]
    assert "every(" in TYPING[-1]
    (settings,) = [block for block in QUICKSTART if block.startswith("# mysite/settings.py")]
    assert f'{ANNOTATED}["mysite.lifespan.http_client"]' in settings
    # The page's short example is the quickstart's own lines, which the checkers run on below.
    example = (REPO / "docs/examples/typed_project/annotated_setting.py").read_text().splitlines()
    assert all(line in settings.splitlines() for line in example)


def test_the_project_is_a_working_django_project(project: Path) -> None:
    done = run("python manage.py lifespan --list", project)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "mysite.lifespan.http_client" in done.stdout
    assert "api-check" in done.stdout


@pytest.mark.integration
def test_mypy_and_pyright_pass_on_the_fresh_project_that_grew_a_service(project: Path) -> None:
    assert_type_checkers_pass(project)


@pytest.mark.integration
def test_without_the_annotation_mypy_fails_on_the_service(project: Path) -> None:
    with edited(project / "mysite" / "settings.py", ANNOTATED, "LIFESPAN_CONTEXTS = "):
        mypy = run("python -m mypy .", project)

    assert mypy.returncode == 1, mypy.stdout + mypy.stderr
    assert 'List item 0 has incompatible type "Service"; expected "str"' in mypy.stdout
    assert mypy.stdout.count(" error: ") == 1, mypy.stdout
