"""docs/testing.md, pasted as a reader pastes it into a fresh project, its two test suites run.

The blocks come from the rendered page, in order: the install and startapp lines run,
each file block applied as its first line says (tests.pasted_project.copy_into), then
`python -m pytest` and `python manage.py test books` run as the page shows them, in
subprocesses with a user's environment. The contexts are the page's own; nothing of
this repository's test settings is on the path.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.pasted_project import (
    assert_django_tests_passed,
    assert_pytest_passed,
    command_block,
    headers,
    imported_distributions,
    installed_by,
    manage_py_check,
    run_in,
    start_project,
)
from tests.rendered_docs import code_blocks, render

BLOCKS = code_blocks(render("testing.md"))


def is_file(block: str) -> bool:
    return re.match(r"# [\w/]+\.(py|ini)(: |\n)", block) is not None


FILES = [block for block in BLOCKS if is_file(block)]
INSTALL = command_block(BLOCKS, "pip install")
(PYTEST,) = command_block(BLOCKS, "python -m pytest").splitlines()
(MANAGE_PY_TEST,) = command_block(BLOCKS, "python manage.py test").splitlines()
BROKEN = """
@asynccontextmanager
async def search_index():
    raise ConnectionError("search index unreachable")
    yield
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # pip aside (installed here already; test_the_page_... checks what it names).
    return start_project(tmp_path_factory.mktemp("testing"), INSTALL, FILES)


def run(project: Path, line: str) -> subprocess.CompletedProcess[str]:
    return run_in(project, line, timeout=180)


def broken_copy(project: Path, where: Path) -> Path:
    """The project with a second context that fails to start, as the page's failure section has it."""
    copy = where / "broken"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    with (copy / "books" / "lifespan.py").open("a") as lifespan:
        lifespan.write(BROKEN)
    with (copy / "mysite" / "settings.py").open("a") as settings:
        settings.write('\nLIFESPAN_CONTEXTS.append("books.lifespan.search_index")\n')
    return copy


def test_the_page_shows_each_file_whole_with_startapp_and_what_it_imports_installed() -> None:
    assert headers(FILES) == [
        "# mysite/settings.py: add at the end",
        "# books/lifespan.py",
        "# books/views.py: replace the whole file",
        "# mysite/urls.py: replace the whole file",
        "# books/fakes.py",
        "# pytest.ini",
        "# books/test_views.py",
        "# books/tests.py: replace the whole file",
        "# books/test_overrides.py",
    ]
    assert "python manage.py startapp books" in INSTALL.splitlines()
    python = [block for block in FILES if not block.startswith("# pytest.ini")]
    assert imported_distributions(python) - {"books"} <= installed_by(INSTALL)
    assert {"pytest-django", "pytest-asyncio"} <= installed_by(INSTALL)  # Used, never imported.


def test_manage_py_check_passes_on_the_pasted_project(project: Path) -> None:
    assert "no issues" in manage_py_check(project)


def test_pytest_runs_the_pages_tests_with_real_contexts_and_replacements(project: Path) -> None:
    # The page's pytest.ini is one to copy: pytest-asyncio has nothing to warn about.
    assert_pytest_passed(run(project, PYTEST), passed=8)


def test_manage_py_test_runs_the_pages_tests_with_real_contexts_and_replacements(project: Path) -> None:
    assert_django_tests_passed(run(project, MANAGE_PY_TEST), ran=5)


def test_a_context_that_fails_to_start_fails_the_test_with_the_servers_message(
    project: Path, tmp_path: Path
) -> None:
    broken = broken_copy(project, tmp_path)
    message = (
        "LifespanStartupError: Lifespan startup failed while entering "
        "'books.lifespan.search_index': ConnectionError: search index unreachable"
    )
    # Only the test on the project's own contexts: the others replace them.
    pytest_run = run(broken, f"{PYTEST} -k real_contexts")
    assert pytest_run.returncode == 1, pytest_run.stdout
    assert message in pytest_run.stdout, pytest_run.stdout
    unittest_run = run(broken, f"{MANAGE_PY_TEST}.tests")
    assert unittest_run.returncode == 1, unittest_run.stderr
    assert message in unittest_run.stderr, unittest_run.stderr
    # The two tests that swap in their own contexts leave the broken one out, and pass.
    assert "Ran 4 tests" in unittest_run.stderr and "FAILED (errors=2)" in unittest_run.stderr
