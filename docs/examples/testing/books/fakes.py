# books/fakes.py
from contextlib import asynccontextmanager

import httpx


def fake_api(request):
    return httpx.Response(200, json=[{"title": "A"}, {"title": "B"}])


@asynccontextmanager
async def fake_books_client():
    transport = httpx.MockTransport(fake_api)
    async with httpx.AsyncClient(base_url="http://books.test", transport=transport) as client:
        yield {"books_client": client}
