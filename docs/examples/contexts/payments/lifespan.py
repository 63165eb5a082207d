# payments/lifespan.py
from contextlib import asynccontextmanager

import httpx


@asynccontextmanager
async def payments_client():
    async with httpx.AsyncClient(base_url="https://payments.example.com") as client:
        yield {"payments_client": client}
