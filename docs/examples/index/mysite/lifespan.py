# mysite/lifespan.py
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx


@asynccontextmanager
async def httpx_client() -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    async with httpx.AsyncClient() as client:  # Opened at server start.
        yield {"httpx_client": client}
    # Closed here, when the server stops.
