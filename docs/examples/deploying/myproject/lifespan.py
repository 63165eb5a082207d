import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


@asynccontextmanager
async def worker_info() -> AsyncIterator[dict[str, int]]:
    yield {"worker_pid": os.getpid()}
