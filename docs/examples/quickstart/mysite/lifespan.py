# mysite/lifespan.py
from contextlib import asynccontextmanager

import httpx


@asynccontextmanager
async def http_client():
    # Opened once when the server starts, closed when it stops.
    async with httpx.AsyncClient(base_url="https://api.example.com") as client:
        yield {"http_client": client}  # what views read as request.state["http_client"]
