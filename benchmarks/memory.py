"""Memory: many requests through our handler leave nothing behind in our code."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc

from django_lifespan_ctx.handler import LifespanASGIHandler

from .driver import Lifespan, request, table

REQUESTS = 100_000
WARMUP = 2_000


def ours(statistics: list[tracemalloc.StatisticDiff]) -> int:
    return sum(stat.size_diff for stat in statistics if "django_lifespan_ctx" in stat.traceback[0].filename)


def run() -> str:
    loop = asyncio.new_event_loop()
    app = LifespanASGIHandler()
    lifespan = Lifespan(app)
    loop.run_until_complete(lifespan.startup())
    state = lifespan.state

    async def serve(count: int) -> None:
        for _ in range(count):
            await request(app, "/read-state/", state)

    loop.run_until_complete(serve(WARMUP))
    gc.collect()
    tracemalloc.start(1)
    before = tracemalloc.take_snapshot()
    loop.run_until_complete(serve(REQUESTS))
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    loop.run_until_complete(lifespan.shutdown())
    loop.close()

    diff = after.compare_to(before, "lineno")
    rows = [
        ("after the warm-up, across", f"{REQUESTS:,} requests"),
        ("growth in django_lifespan_ctx code", f"{ours(diff):,} bytes"),
        ("growth everywhere (Django, asyncio, ...)", f"{sum(s.size_diff for s in diff):,} bytes"),
    ]
    return "Memory, traced with tracemalloc\n" + table(rows)
