# mysite/lifespan.py
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from django.conf import settings


@asynccontextmanager
async def catalogue_client() -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    # Made on the server's event loop, as every context is: it must be used there.
    async with httpx.AsyncClient(base_url=settings.CATALOGUE_URL, timeout=10) as client:
        yield {"catalogue": client}
