# shop/lifespan.py
import logging
from contextlib import asynccontextmanager

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)


@asynccontextmanager
async def api_client():
    # Opened once when a server, a command or a script starts its lifespan; closed when it ends.
    async with httpx.AsyncClient(base_url=settings.SHOP_API_URL) as client:
        logger.info("API client opened for %s", settings.SHOP_API_URL)
        yield {"api_client": client}
    logger.info("API client closed")
