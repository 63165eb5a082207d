"""The database page's examples (docs/examples/database), on SQLite and on a real PostgreSQL.

Each claim the page makes is run here: in production (served by uvicorn) and in
tests (pytest-django and Django's runner), including what goes wrong without
`transaction=True` and what happens to the connections contexts open.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests import servers
from tests.database_page import PLAIN_DB_TEST
from tests.pasted_project import assert_django_tests_passed, assert_pytest_passed
from tests.postgres import PostgresServer, postgres  # noqa: F401
from tests.servers import REPO, ServerProcess

EXAMPLE = REPO / "docs" / "examples" / "database"
GENRES = ["Fiction", "Poetry"]
_names = itertools.count()


class Database:
    """One fresh database on a backend, and the environment that points the example at it."""

    def __init__(self, backend: str, tmp_path: Path, server: PostgresServer | None) -> None:
        self.backend, self.server = backend, server
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "PYTEST", "EXAMPLE_"))}
        if server is None:
            self.path = tmp_path / "db.sqlite3"
            self.env["EXAMPLE_SQLITE_NAME"] = str(self.path)
        else:
            self.name = f"example_{os.getpid()}_{next(_names)}"
            with server.connect() as connection:
                connection.execute(f'create database "{self.name}"')
            self.env.update(
                EXAMPLE_POSTGRES_HOST=server.socket_dir,
                EXAMPLE_POSTGRES_PORT=str(server.port),
                EXAMPLE_POSTGRES_NAME=self.name,
            )

    def query(self, sql: str) -> list[tuple[object, ...]]:
        if self.server is None:
            with sqlite3.connect(self.path) as connection:
                return connection.execute(sql).fetchall()
        with self.server.connect(self.name) as connection:
            rows: list[tuple[object, ...]] = connection.execute(sql).fetchall()
            return rows

    def connections_open(self) -> int:
        """Sessions on this database, other than the one asking."""
        assert self.server is not None
        rows = self.query(
            f"select count(*) from pg_stat_activity where datname = '{self.name}' and pid <> pg_backend_pid()"
        )
        return int(str(rows[0][0]))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    server = request.getfixturevalue("postgres") if request.param == "postgresql" else None
    return Database(request.param, tmp_path, server)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
    return root


def run(project: Path, database: Database, *command: str) -> subprocess.CompletedProcess[str]:
    env = {**database.env, "PYTHONPATH": str(project)}
    return subprocess.run(
        [sys.executable, *command], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )


def run_pytest(
    project: Path, database: Database, name: str, source: str | None = None
) -> subprocess.CompletedProcess[str]:
    """pytest on one test file of the example (written there first, if `source` is given)."""
    if source is not None:
        (project / name).write_text(source)
    return run(project, database, "-m", "pytest", "-p", "no:cacheprovider", name)


def test_the_pytest_examples_pass(project: Path, database: Database) -> None:
    result = run_pytest(project, database, "test_catalog.py")
    # On PostgreSQL, a connection left open fails to drop the test database, with a warning.
    assert_pytest_passed(result, passed=3)


def test_the_django_test_runner_example_passes(project: Path, database: Database) -> None:
    assert_django_tests_passed(run(project, database, "manage.py", "test", "catalog"), ran=2)


def test_without_a_transactional_database_the_contexts_cannot_read_the_tests_rows(
    project: Path, database: Database
) -> None:
    result = run_pytest(project, database, "test_plain_db.py", PLAIN_DB_TEST)
    assert result.returncode == 1, result.stdout
    if database.backend == "sqlite":
        # The test's transaction holds the table; the context's connection is another.
        assert "OperationalError: database table is locked: catalog_genre" in result.stdout
    else:
        # Uncommitted rows are invisible to the context's connection.
        assert "assert [] == ['Fiction', 'Poetry']" in result.stdout


PLAIN_DB_ASYNC_TESTS = """
import pytest

from catalog.models import Genre


@pytest.mark.django_db
async def test_writes_with_the_async_orm():
    await Genre.objects.acreate(name="Poetry")


@pytest.mark.django_db
async def test_finds_nothing_from_the_test_before():
    assert await Genre.objects.acount() == 0
"""


def test_without_a_transactional_database_async_orm_writes_leak_into_the_next_test(
    project: Path, database: Database
) -> None:
    result = run_pytest(project, database, "test_leak.py", PLAIN_DB_ASYNC_TESTS)
    assert result.returncode == 1, result.stdout
    assert "1 failed, 1 passed" in result.stdout and "assert 1 == 0" in result.stdout, result.stdout


def serve(project: Path, database: Database, settings: str | None = None) -> ServerProcess:
    argv = servers.uvicorn("shelf.asgi:application", "--lifespan", "on")
    server = ServerProcess(argv, settings=settings, cwd=project)
    server.env.update(database.env)
    return server


def prepare(project: Path, database: Database) -> None:
    """Migrate and add two genres, in one process: Django starts once."""
    script = (
        "from django.core.management import call_command; call_command('migrate', verbosity=0); "
        "from catalog.models import Genre; "
        "Genre.objects.bulk_create([Genre(name='Poetry'), Genre(name='Fiction')])"
    )
    result = run(project, database, "manage.py", "shell", "-c", script)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def prepared_postgres(project: Path, postgres: PostgresServer) -> Database:  # noqa: F811
    """A database of its own on the test's PostgreSQL, where connections can be counted, prepared."""
    database = Database("postgresql", project, postgres)
    prepare(project, database)
    return database


def test_in_production_the_contexts_read_at_startup_write_at_shutdown_and_hold_no_connection(
    project: Path, database: Database
) -> None:
    prepare(project, database)
    with serve(project, database) as server:
        server.wait_for("Uvicorn running on")  # Listening: uvicorn binds after the startup.
        answer = server.get("/genres/").json()
        held = database.connections_open() if database.server else 0
        running = database.query("select stopped_at from catalog_serverrun")
        code = server.stop(signal.SIGINT)
    assert answer["genres"] == GENRES, server.output
    assert running == [(None,)]
    assert held == 0
    # The async context's exit wrote the stop time, after the last request.
    (stopped,) = database.query("select stopped_at from catalog_serverrun")
    assert stopped[0] is not None
    assert code == 0, server.output


def test_contexts_that_do_not_close_hold_a_connection_each_while_serving(
    project: Path, prepared_postgres: Database
) -> None:
    database = prepared_postgres
    with serve(project, database, settings="tests.sites.database_left_open_settings") as server:
        server.wait_for("Uvicorn running on")  # Listening: uvicorn binds after the startup.
        assert server.get("/genres/").json()["genres"] == GENRES, server.output
        # One in the sync context's thread, one in asgiref's shared thread.
        held = database.connections_open()
        code = server.stop(signal.SIGINT)
    assert held == 2
    assert code == 0, server.output


def test_a_sync_contexts_connection_is_closed_when_it_exits_an_async_orm_one_is_not(
    project: Path, prepared_postgres: Database
) -> None:
    database = prepared_postgres
    env = {**database.env, "PYTHONPATH": os.pathsep.join([str(project), str(REPO)])}
    result = subprocess.run(
        [sys.executable, str(REPO / "tests" / "database_connections_script.py")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # The library closes what the sync context opened in its thread; the async
    # ORM's connection, in asgiref's shared thread, stays until someone closes it.
    assert result.stdout.strip() == "inside=2 after=1"
