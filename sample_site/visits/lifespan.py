"""The context the visits app ships: one counter for the whole server, reported when it stops."""

import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from .keys import VISIT_COUNTER, VisitCounter

logger = logging.getLogger(__name__)


@asynccontextmanager
async def visit_counter() -> AsyncGenerator[dict[str, VisitCounter], None]:
    counter = VisitCounter()
    logger.info("visit counter opened")
    # The typed key, not a string: no other app's "visit_counter" can collide with it.
    yield {VISIT_COUNTER: counter}
    counter.open = False
    logger.info("visit counter closed after %d visits", counter.total())
