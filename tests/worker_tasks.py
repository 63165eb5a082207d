"""Tasks that real worker processes run: each reads the state, and notes what it saw."""

from __future__ import annotations

import os
from typing import Any

from django_lifespan_ctx import current_state
from django_lifespan_ctx.worker import on_lifespan_loop, worker_lifespan
from tests.lifecycle_contexts import note

try:
    from django.tasks import task  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # Django 5.2: the backport
    from django_tasks import task  # type: ignore[no-redef,unused-ignore]


def seen(kind: str, path: str, status: int) -> dict[str, Any]:
    state = current_state()
    client = id(state["http_client"])
    note(f"task {kind} {path} {status} client={client}")
    return {"pid": os.getpid(), "status": status, "client": client, "keys": sorted(state)}


# --8<-- [start:django_tasks]
@task()
def fetch_sync(path: str) -> dict[str, Any]:
    # Sync code reaches the loop-bound client through the worker lifespan's loop.
    response = worker_lifespan().run(current_state()["http_client"].get(path))
    return seen("sync", path, response.status_code)


@task()
@on_lifespan_loop
async def fetch_async(path: str) -> dict[str, Any]:
    response = await current_state()["http_client"].get(path)
    return seen("async", path, response.status_code)


# --8<-- [end:django_tasks]
