# mysite/featured.py
import logging
from contextlib import asynccontextmanager

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)


@asynccontextmanager
async def featured_cache():
    # The cache is a plain context: views read it as request.state.featured.
    yield {"featured": {"book": None, "refreshes": 0}}


async def refresh_featured(state):
    # Listed as every(5, ...): runs at startup, then every 5 seconds, never two at once.
    # A failure is logged with its traceback and retried; readyz/ shows how it went.
    async with httpx.AsyncClient() as client:
        response = await client.get(settings.FEATURED_BOOK_URL)
        response.raise_for_status()
    state.featured["book"] = response.json()
    state.featured["refreshes"] += 1
    logger.info("featured book refreshed (%d)", state.featured["refreshes"])
