"""Per-request cost: our handler against Django's own, and django-asgi-lifespan's."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

from django.core.handlers.asgi import ASGIHandler
from django.test import override_settings

from django_lifespan_ctx.handler import LifespanASGIHandler

from .cases import BASELINE, CASES, Case, expected_body
from .driver import Lifespan, alternate, median, quartiles, request, table

ROUNDS = 30
REQUESTS_PER_ROUND = 2000


def build(loop: asyncio.AbstractEventLoop) -> tuple[dict[str, Any], dict[str, Any], list[Lifespan]]:
    apps: dict[str, Any] = {"Django ASGIHandler": ASGIHandler()}
    ours = LifespanASGIHandler()
    ours_lifespan = Lifespan(ours)
    assert loop.run_until_complete(ours_lifespan.startup())["type"] == "lifespan.startup.complete"
    apps["django-lifespan-ctx"] = ours
    try:
        from django_asgi_lifespan.handler import LifespanASGIHandler as TheirHandler
    except ImportError:
        pass
    else:
        # Its request.state comes from a middleware: only its handler gets it.
        with override_settings(MIDDLEWARE=["django_asgi_lifespan.middleware.LifespanStateMiddleware"]):
            apps["django-asgi-lifespan"] = TheirHandler()
    # Every handler gets the same per-request state, as a server would copy it.
    return apps, ours_lifespan.state, [ours_lifespan]


def run() -> str:
    loop = asyncio.new_event_loop()
    apps, state, lifespans = build(loop)
    cases = [case for case in CASES if case.handler in apps]
    for case in cases:
        body = loop.run_until_complete(request(apps[case.handler], case.path, state))
        assert body == expected_body(case), (case, body)

    def measure(case: Case) -> float:
        app = apps[case.handler]

        async def burst() -> None:
            for _ in range(REQUESTS_PER_ROUND):
                await request(app, case.path, state)

        gc.collect()
        started = time.perf_counter()
        loop.run_until_complete(burst())
        return (time.perf_counter() - started) / REQUESTS_PER_ROUND

    for case in cases:  # Warm up every code path first.
        measure(case)
    results = alternate(ROUNDS, {case.name: (lambda case=case: measure(case)) for case in cases})
    for lifespan in lifespans:
        loop.run_until_complete(lifespan.shutdown())
    loop.close()

    django = results[BASELINE]
    baseline = median(django)
    rows = [("handler, view", "median µs/request", "ratio to Django", "round-by-round ratio, middle half")]
    for name, times in results.items():
        # Each round's ratio pairs runs made moments apart, so the spread of
        # these shows how much of the median ratio is noise.
        low, high = quartiles([ours / theirs for ours, theirs in zip(times, django, strict=True)])
        rows.append(
            (
                name,
                f"{median(times) * 1e6:.1f}",
                f"{median(times) / baseline:.3f}",
                f"{low:.3f} to {high:.3f}",
            )
        )
    header = (
        f"Per-request cost, in-process through ASGI: {ROUNDS} alternating rounds "
        f"of {REQUESTS_PER_ROUND} requests"
    )
    return header + "\n" + table(rows)
