from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager


@asynccontextmanager
async def image_pool() -> AsyncIterator[dict[str, ThreadPoolExecutor]]:
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="thumbnails") as pool:
        yield {"image_pool": pool}
