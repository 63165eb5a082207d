"""docs/database.md, pasted as a reader pastes it into a fresh project, served and tested.

The blocks come from the rendered page, in order: the install, startapp, migration and
data lines run, each file block applied as its first line says
(tests.pasted_project.copy_into); then uvicorn serves the project as the page shows,
and `python -m pytest` and `python manage.py test catalog` run the page's tests, all in
subprocesses with a user's environment on startproject's SQLite database. What the
contexts wrote is read back from that database. tests/docs/test_database_docs.py runs the
same code on PostgreSQL, where connections can be counted.
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests import servers
from tests.database_page import PLAIN_DB_TEST
from tests.pasted_project import (
    assert_django_tests_passed,
    assert_pytest_passed,
    command_block,
    headers,
    imported_distributions,
    installed_by,
    manage_py_check,
    run_in,
    served_as_a_user_runs_it,
    start_project,
)
from tests.rendered_docs import code_blocks, inline_code_after, render

HTML = render("database.md")
BLOCKS = code_blocks(HTML)
FILES = [block for block in BLOCKS if re.match(r"# [\w/]+\.(py|ini)(: |\n)", block)]
INSTALL = command_block(BLOCKS, "pip install")
MIGRATE = command_block(BLOCKS, "python manage.py makemigrations")
SERVE = command_block(BLOCKS, "python manage.py shell")
(PYTEST,) = command_block(BLOCKS, "python -m pytest").splitlines()
(MANAGE_PY_TEST,) = command_block(BLOCKS, "python manage.py test").splitlines()


def run(project: Path, line: str) -> subprocess.CompletedProcess[str]:
    return run_in(project, line, timeout=180)


def run_all(project: Path, block: str) -> None:
    for line in block.splitlines():
        result = run(project, line)
        assert result.returncode == 0, f"{line}\n{result.stdout}{result.stderr}"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # pip aside (installed here already; the first test checks what it names), then the
    # files in the page's order: the models exist before their migration is made.
    cwd = start_project(tmp_path_factory.mktemp("database"), INSTALL, FILES)
    run_all(cwd, MIGRATE)
    return cwd


def test_the_page_shows_each_file_whole_with_startapp_and_what_it_imports_installed() -> None:
    assert headers(FILES) == [
        "# mysite/settings.py: add at the end",
        "# catalog/models.py: replace the whole file",
        "# catalog/startup_data.py",
        "# catalog/run_log.py",
        "# catalog/views.py: replace the whole file",
        "# mysite/urls.py: replace the whole file",
        "# mysite/asgi.py: replace the whole file",
        "# pytest.ini",
        "# test_catalog.py",
        "# conftest.py",
        "# catalog/tests.py: replace the whole file",
    ]
    assert "python manage.py startapp catalog" in INSTALL.splitlines()
    python = [block for block in FILES if not block.startswith("# pytest.ini")]
    assert imported_distributions(python) - {"catalog"} <= installed_by(INSTALL) | {"asgiref"}
    assert {"uvicorn", "pytest-django", "pytest-asyncio"} <= installed_by(INSTALL)  # Used, never imported.


def test_manage_py_check_passes_on_the_pasted_project(project: Path) -> None:
    assert "no issues" in manage_py_check(project)


def test_served_by_uvicorn_the_contexts_read_at_startup_and_record_the_run_until_shutdown(
    project: Path,
) -> None:
    *data, uvicorn = SERVE.splitlines()
    run_all(project, "\n".join(data))
    argv = servers.documented(uvicorn)
    assert argv[0] == "uvicorn"
    database = project / "db.sqlite3"
    with served_as_a_user_runs_it(argv, project) as server:
        server.wait_for("Uvicorn running on")  # Listening: uvicorn binds after the startup.
        answer = server.get("/genres/")
        with sqlite3.connect(database) as connection:
            running = connection.execute("select id, stopped_at from catalog_serverrun").fetchall()
        code = server.stop(signal.SIGINT)
    promised = json.loads(inline_code_after(HTML, "answers"))
    assert answer.status_code == 200, server.output
    assert answer.json() == promised
    assert running == [(1, None)]
    with sqlite3.connect(database) as connection:
        stopped = connection.execute("select id, stopped_at from catalog_serverrun").fetchall()
    # The async context's exit wrote the stop time, after the last request.
    assert [row[0] for row in stopped] == [1] and stopped[0][1] is not None
    assert "Application shutdown complete" in server.output
    assert code == 0, server.output


def test_pytest_runs_the_pages_tests(project: Path) -> None:
    assert_pytest_passed(run(project, PYTEST), passed=3)


def test_manage_py_test_runs_the_pages_tests(project: Path) -> None:
    assert_django_tests_passed(run(project, MANAGE_PY_TEST), ran=2)


def test_with_db_instead_of_transactional_db_startup_fails_as_the_page_says(project: Path) -> None:
    (project / "test_plain_db.py").write_text(PLAIN_DB_TEST)
    try:
        result = run(project, f"{PYTEST} test_plain_db.py")
    finally:
        (project / "test_plain_db.py").unlink()
    assert result.returncode == 1, result.stdout
    assert "OperationalError: database table is locked" in result.stdout, result.stdout
