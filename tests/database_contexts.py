"""The database page's two contexts without their connections.close_all(): the control."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from catalog.models import Genre, ServerRun  # type: ignore[import-not-found]


@contextmanager
def genres_left_open() -> Iterator[dict[str, Any]]:
    yield {"genres": list(Genre.objects.order_by("name").values_list("name", flat=True))}


@asynccontextmanager
async def server_runs_left_open() -> AsyncIterator[dict[str, Any]]:
    yield {"server_run": await ServerRun.objects.acreate()}
