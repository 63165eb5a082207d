"""Jobs real RQ workers run: the recipe's jobs (docs/examples/workers/rq), noting what they saw."""

from __future__ import annotations

import os
from typing import Any

from django.db import connection
from shop_jobs import fetch_price, fetch_stock  # type: ignore[import-not-found,unused-ignore]

from django_lifespan_ctx import current_state
from tests.lifecycle_contexts import note


def seen(kind: str, path: str, status: int, database: str = "-") -> dict[str, Any]:
    client = id(current_state()["http_client"])
    note(f"task {kind} {path} {status} client={client} db={database}")
    return {"pid": os.getpid(), "status": status, "client": client}


def fetch_sync(path: str) -> dict[str, Any]:
    # Whether a connection is still open from an earlier job: task_connections() closes it after each.
    database = "open" if connection.connection is not None else "closed"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return seen("sync", path, fetch_price(path), database)


async def fetch_async(path: str) -> dict[str, Any]:
    return seen("async", path, await fetch_stock(path))


def wait_for_release(fifo: str) -> None:
    note("task waiting")
    with open(fifo) as released:  # Blocks until the test opens the FIFO to write.
        released.read()
    note("task released")
