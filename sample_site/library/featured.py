"""The sample's background service: a cache the lifespan opens, refreshed every few seconds."""

import datetime
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass
class FeaturedBook:
    book: dict[str, Any] | None = None
    refreshed_at: datetime.datetime | None = None
    refreshes: int = 0


class FeaturedState(Protocol):
    catalogue: list[dict[str, Any]]
    featured: FeaturedBook


# --8<-- [start:featured]
@asynccontextmanager
async def featured_cache() -> AsyncIterator[dict[str, FeaturedBook]]:
    # The cache itself is a plain context: views read it as request.state.featured.
    yield {"featured": FeaturedBook()}


async def refresh_featured(state: FeaturedState) -> None:
    # Listed as every(5, ...): runs at startup, then every 5 seconds, never two at once.
    # A failure is logged with its traceback and retried; readyz/ shows how it went.
    cache = state.featured
    cache.book = state.catalogue[cache.refreshes % len(state.catalogue)]
    cache.refreshed_at = datetime.datetime.now(datetime.timezone.utc)
    cache.refreshes += 1


# --8<-- [end:featured]
