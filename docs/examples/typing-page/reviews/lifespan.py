# reviews/lifespan.py
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from .keys import REVIEWS_CLIENT, ReviewsClient


@asynccontextmanager
async def reviews_client() -> AsyncGenerator[dict[str, ReviewsClient], None]:
    client = ReviewsClient()
    try:
        yield {REVIEWS_CLIENT: client}  # The key itself, not a string.
    finally:
        client.closed = True
