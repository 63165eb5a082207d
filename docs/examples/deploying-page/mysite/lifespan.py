# mysite/lifespan.py
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


@asynccontextmanager
async def worker_info() -> AsyncIterator[dict[str, int]]:
    # Entered once in each worker process: the state tells the workers apart.
    yield {"worker_pid": os.getpid()}
