"""A real PostgreSQL for the whole test session, from the pip-installable pgserver package.

Use it from any test module (it is a fixture, so import it where it is used):

    from tests.postgres import postgres  # noqa: F401

    def test_something(postgres: PostgresServer) -> None:
        settings = postgres.django_settings()  # a DATABASES entry
        env = postgres.environ()  # PG* variables for a subprocess

One server per session (about a second to start), in a temporary directory,
reached over a Unix socket; stopped and deleted when the session ends. A test
that asks for it is skipped, with the reason, when pgserver is not installed
or the server cannot start here.
"""

from __future__ import annotations

import importlib
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class PostgresServer:
    socket_dir: str
    port: int
    user: str = "postgres"
    name: str = "postgres"

    def django_settings(self, **extra: Any) -> dict[str, Any]:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": self.name,
            "USER": self.user,
            "HOST": self.socket_dir,
            "PORT": str(self.port),
            **extra,
        }

    def environ(self) -> dict[str, str]:
        """libpq's variables, which psql, psycopg and settings that read them understand."""
        return {"PGHOST": self.socket_dir, "PGPORT": str(self.port), "PGUSER": self.user}

    def connect(self, dbname: str | None = None) -> Any:
        """A psycopg connection in autocommit mode, to look at the server from outside Django."""
        import psycopg

        return psycopg.connect(
            dbname=dbname or self.name, user=self.user, host=self.socket_dir, port=self.port, autocommit=True
        )


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset, as it is in containers and CI.
        warnings.simplefilter("ignore")
        try:
            pgserver: Any = importlib.import_module("pgserver")
        except ImportError:
            pytest.skip("PostgreSQL tests need the pgserver package, which has no wheel for this Python")
        # Short: a Unix socket's path must fit in 107 bytes.
        data = Path(tempfile.mkdtemp(prefix="pg-"))
        try:
            server = pgserver.get_server(data, cleanup_mode="delete")
        except Exception as exc:  # Any reason at all: say it, and skip.
            shutil.rmtree(data, ignore_errors=True)
            pytest.skip(f"PostgreSQL (pgserver) could not start here: {type(exc).__name__}: {exc}")
    info = server.get_postmaster_info()
    try:
        yield PostgresServer(socket_dir=str(info.socket_dir), port=int(info.port))
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server.cleanup()
        shutil.rmtree(data, ignore_errors=True)
