"""tests.huey_tasks, imported by a consumer that runs the lifespan at import, before it forks its workers."""

from __future__ import annotations

from django_lifespan_ctx import start_in_thread
from tests.huey_tasks import fetch_async, fetch_sync, huey

__all__ = ["fetch_async", "fetch_sync", "huey"]

start_in_thread()
