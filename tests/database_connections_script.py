"""Run in the database example project: count PostgreSQL sessions while and after contexts run.

Prints `inside=N after=M`: sessions on the database while the lifespan is open,
and once it has exited, with the process still alive.
"""

from __future__ import annotations

import asyncio
import os

import django
import psycopg

os.environ["DJANGO_SETTINGS_MODULE"] = "shelf.settings"
django.setup()

from django_lifespan_ctx import lifespan  # noqa: E402
from tests.database_contexts import genres_left_open, server_runs_left_open  # noqa: E402


def sessions() -> int:
    with psycopg.connect(
        dbname=os.environ["EXAMPLE_POSTGRES_NAME"],
        user="postgres",
        host=os.environ["EXAMPLE_POSTGRES_HOST"],
        port=os.environ["EXAMPLE_POSTGRES_PORT"],
        autocommit=True,
    ) as connection:
        row = connection.execute(
            "select count(*) from pg_stat_activity where datname = current_database() "
            "and pid <> pg_backend_pid()"
        ).fetchone()
    assert row is not None
    return int(row[0])


async def main() -> None:
    async with lifespan(contexts=[genres_left_open, server_runs_left_open]):
        inside = sessions()
    print(f"inside={inside} after={sessions()}")


asyncio.run(main())
