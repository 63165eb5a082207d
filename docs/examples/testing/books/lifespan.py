# books/lifespan.py
from contextlib import asynccontextmanager

import httpx
from django.conf import settings


@asynccontextmanager
async def books_client():
    async with httpx.AsyncClient(base_url=settings.BOOKS_API_URL) as client:
        yield {"books_client": client}
