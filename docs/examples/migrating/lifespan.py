# mysite/lifespan.py
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

HTTPX_CLIENT = "httpx_client"


@asynccontextmanager
async def httpx_lifespan_manager() -> AsyncIterator[dict[str, Any]]:  # was: -> LifespanManager
    state = {HTTPX_CLIENT: httpx.AsyncClient()}
    try:
        yield state
    finally:
        await state[HTTPX_CLIENT].aclose()
