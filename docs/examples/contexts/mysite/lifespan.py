# mysite/lifespan.py
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager

import httpx
from django.conf import settings


@contextmanager
def image_pool():
    # A sync context manager: entered and exited in a thread of its own, off the event loop,
    # so the exit may block (here, until the pool's last job is done).
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="images") as pool:
        yield {"image_pool": pool}


@asynccontextmanager
async def http_client():
    async with httpx.AsyncClient() as client:
        yield {"http_client": client}


@asynccontextmanager
async def cover_cache():
    # In the same group as http_client: the two are entered concurrently.
    cache = {}
    yield {"cover_cache": cache}
    cache.clear()


class BooksAPI:
    def __init__(self, client, base_url):
        self.client = client
        self.base_url = base_url

    async def list_books(self):
        response = await self.client.get(self.base_url + "books/")
        response.raise_for_status()
        return response.json()


@asynccontextmanager
async def books_api(state):
    # One positional parameter: it gets the state the entries before it yielded.
    yield {"books_api": BooksAPI(state.http_client, settings.BOOKS_API_URL)}
