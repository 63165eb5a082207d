from contextlib import asynccontextmanager

import httpx


@asynccontextmanager
async def httpx_client():
    async with httpx.AsyncClient() as client:
        yield {"httpx_client": client}
