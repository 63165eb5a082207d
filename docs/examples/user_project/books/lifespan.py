from contextlib import asynccontextmanager
import httpx

@asynccontextmanager
async def books_client():
    # Never contacted by the tests: they replace it, or only look at it.
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9") as client:
        yield {"books_client": client}

@asynccontextmanager
async def search_index():
    raise ConnectionError("search index unreachable")
    yield
