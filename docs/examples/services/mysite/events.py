# mysite/events.py
import asyncio
import logging
import queue
from contextlib import asynccontextmanager

logger = logging.getLogger(__name__)


@asynccontextmanager
async def queues():
    # A plain context, listed before the services: they find both queues in the state.
    yield {"events": asyncio.Queue(), "spool": queue.SimpleQueue()}


async def forward_events(state):
    # An async service: runs until cancelled, awaiting, and lets asyncio.CancelledError through.
    while True:
        event = await state.events.get()
        logger.info("forwarded %s", event)  # A real one would publish it to a broker.
