"""The context the visits app ships: one counter for the whole server, reported when it stops."""

import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

logger = logging.getLogger(__name__)


@asynccontextmanager
async def visit_counter() -> AsyncIterator[dict[str, Counter[str]]]:
    counter: Counter[str] = Counter()
    logger.info("visit counter opened")
    yield {"visit_counter": counter}
    logger.info("visit counter closed after %d visits", sum(counter.values()))
