# mysite/spool.py
import logging
import queue

logger = logging.getLogger(__name__)


def flush_spool(state, stop):
    # A sync service, in a thread of the library's own: it checks `stop` between batches.
    while not stop.is_set():
        batch = []
        while True:
            try:
                batch.append(state.spool.get_nowait())
            except queue.Empty:
                break
        if batch:
            logger.info("flushed %d spooled events", len(batch))  # A real one would write them out.
        stop.wait(0.5)  # Returns at once when the lifespan stops.
