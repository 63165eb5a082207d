"""Targets for the background-service tests, and the examples docs/services.md includes."""

from __future__ import annotations

import asyncio
import os
import threading
import time
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


# A critical job whose first run fails fast, and whose retries each hang a while and time
# out (a broker that is down) until the file named by LIFESPAN_TEST_RECOVER_FILE exists.
_job_runs = 0


def slow_to_recover(state: Any) -> None:
    global _job_runs
    _job_runs += 1
    if _job_runs == 1:
        print("JOB FAILED FAST", flush=True)
        raise ConnectionError("the broker refused us")
    time.sleep(0.4)  # A sync job, in a thread of the library's own: a blocking call timing out.
    if os.path.exists(os.environ["LIFESPAN_TEST_RECOVER_FILE"]):
        print(f"JOB SUCCEEDED on run {_job_runs}", flush=True)
        return
    print(f"JOB TIMED OUT on run {_job_runs}", flush=True)
    raise TimeoutError("the broker did not answer")


async def crash_at_once(state: Any) -> None:
    # Its own timestamp, on the clock the supervisor's loop uses: what the backoff test measures.
    print(f"CRASH at {time.monotonic():.6f}", flush=True)
    raise ConnectionError("refused")


async def idle(state: Any) -> None:
    await asyncio.Event().wait()
