"""Targets for the background-service tests that run a real server (dotted paths in services_settings)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


@asynccontextmanager
async def queue() -> AsyncIterator[dict[str, Any]]:
    yield {"queue": asyncio.Queue()}


async def broken_consumer(state: Any) -> None:
    # Fails at once, every time: the critical service readyz/ reports.
    raise ConnectionError(f"the broker refused us (state keys: {sorted(state)})")


async def heartbeat(state: Any) -> None:
    print("HEARTBEAT", flush=True)
