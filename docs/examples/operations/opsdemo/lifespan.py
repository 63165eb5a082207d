from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

logger = logging.getLogger(__name__)


@asynccontextmanager
async def http_client() -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield {"http": client}


# --8<-- [start:scheduler]
@asynccontextmanager
async def scheduler() -> AsyncIterator[None]:
    """Periodic jobs: one process in the whole deployment runs them."""

    async def loop() -> None:
        while True:
            logger.info("scheduler tick")
            await asyncio.sleep(60)

    task = asyncio.create_task(loop())
    try:
        yield  # Nothing for the state: the other processes do not run it.
    finally:
        task.cancel()


# --8<-- [end:scheduler]
