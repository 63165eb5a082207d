"""Targets for the background-service tests, and the examples docs/services.md includes."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from django_lifespan_ctx.contexts import background, every


@asynccontextmanager
async def queue() -> AsyncIterator[dict[str, Any]]:
    yield {"queue": asyncio.Queue(), "outbox": asyncio.Queue(), "spooled": []}


async def broken_consumer(state: Any) -> None:
    # Fails at once, every time: the critical service readyz/ reports.
    raise ConnectionError(f"the broker refused us (state keys: {sorted(state)})")


async def heartbeat(state: Any) -> None:
    print("HEARTBEAT", flush=True)


# --8<-- [start:async_service]
async def forward_events(state: Any) -> None:
    # Runs until cancelled: it awaits, and lets asyncio.CancelledError through.
    while True:
        event = await state.queue.get()
        await state.outbox.put(f"forwarded {event}")


# --8<-- [end:async_service]


# --8<-- [start:sync_service]
def drain_spool(state: Any, stop: threading.Event) -> None:
    # Runs in a thread of the library's own: it checks `stop` between pieces of work.
    while not stop.is_set():
        state.spooled.append("a batch")
        stop.wait(0.05)  # Returns at once when the lifespan stops.


# --8<-- [end:sync_service]


async def prune(state: Any) -> None:
    state.spooled.clear()


# --8<-- [start:contexts]
EXAMPLE_CONTEXTS = [
    "tests.services_targets.queue",  # what the services use: entered before them
    background("tests.services_targets.forward_events", critical=True),
    background("tests.services_targets.drain_spool", restart="always", backoff=(1, 60)),
    every(30, "tests.services_targets.prune", name="prune-spool"),
]
# --8<-- [end:contexts]
