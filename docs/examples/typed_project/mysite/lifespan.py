# mysite/lifespan.py: replace the whole file
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

import httpx


@asynccontextmanager
async def http_client() -> AsyncGenerator[dict[str, httpx.AsyncClient], None]:
    async with httpx.AsyncClient(base_url="https://api.example.com") as client:
        yield {"http_client": client}
