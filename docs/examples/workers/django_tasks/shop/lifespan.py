# shop/lifespan.py
import logging
from contextlib import asynccontextmanager

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)


@asynccontextmanager
async def api_client():
    # Opened once per worker process, before its first task; closed when the process stops.
    async with httpx.AsyncClient(base_url=settings.SHOP_API_URL) as client:
        logger.info("API client opened for %s", settings.SHOP_API_URL)
        yield {"api_client": client}  # what tasks read as current_state()["api_client"]
    logger.info("API client closed")
