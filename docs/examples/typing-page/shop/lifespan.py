# shop/lifespan.py
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any


@asynccontextmanager
async def shop_data() -> AsyncGenerator[dict[str, Any], None]:
    yield {"catalogue": ["Dune", "Emma"], "visits": 0}
