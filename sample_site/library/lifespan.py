"""The sample's lifespan contexts, listed in settings.LIFESPAN_CONTEXTS."""

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
from django.conf import settings

from .api import BooksAPI
from .state import LibraryState


# --8<-- [start:catalogue]
@contextmanager
def catalogue() -> Iterator[dict[str, list[dict[str, object]]]]:
    # A sync context manager: entered and exited off the event loop.
    with open(Path(__file__).parent / "data" / "books.json") as file:
        yield {"catalogue": json.load(file)}


# --8<-- [end:catalogue]


# --8<-- [start:httpx_client]
@asynccontextmanager
async def httpx_client() -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    async with httpx.AsyncClient() as client:
        yield {"httpx_client": client}


# --8<-- [end:httpx_client]


@asynccontextmanager
async def cover_cache() -> AsyncIterator[dict[str, dict[int, str]]]:
    # Entered in the same group as httpx_client: the two start concurrently.
    cache: dict[int, str] = {}
    yield {"cover_cache": cache}
    cache.clear()


# --8<-- [start:books_api]
@asynccontextmanager
async def books_api(state: LibraryState) -> AsyncIterator[dict[str, BooksAPI]]:
    # One positional parameter: it gets the state the entries before it yielded.
    yield {"books_api": BooksAPI(state.httpx_client, settings.BOOKS_API_URL)}


# --8<-- [end:books_api]
