# mysite/lifespan.py
import asyncio
import logging
from contextlib import asynccontextmanager

import httpx

logger = logging.getLogger(__name__)


@asynccontextmanager
async def http_client():
    async with httpx.AsyncClient(timeout=5) as client:
        yield {"http": client}


@asynccontextmanager
async def scheduler():
    """Periodic jobs: one process in the whole deployment runs them."""

    async def loop():
        while True:
            logger.info("scheduler tick")
            await asyncio.sleep(60)

    task = asyncio.create_task(loop())
    try:
        yield  # Nothing for the state: the other processes do not run it.
    finally:
        task.cancel()
