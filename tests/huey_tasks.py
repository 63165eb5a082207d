"""Tasks for the recipe's Huey instance (docs/examples/workers/huey/jobs.py): each notes what it saw."""

from __future__ import annotations

from django.db import connection
from jobs import huey  # type: ignore[import-not-found]

from django_lifespan_ctx import current_state
from django_lifespan_ctx.contrib.huey import run_on_lifespan_loop
from django_lifespan_ctx.worker import worker_lifespan
from tests.lifecycle_contexts import note


def seen(kind: str, path: str, status: int) -> None:
    note(f"task {kind} {path} {status} client={id(current_state()['http_client'])}")


@huey.task()
def fetch_sync(path: str) -> None:
    response = worker_lifespan().run(current_state()["http_client"].get(path))
    seen("sync", path, response.status_code)


@huey.task()
@run_on_lifespan_loop
async def fetch_async(path: str) -> None:
    response = await current_state()["http_client"].get(path)
    seen("async", path, response.status_code)


@huey.task()
def use_the_database() -> None:
    # Open before the query only if the last task left its connection open.
    note(f"task database open_before={connection.connection is not None}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
