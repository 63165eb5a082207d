# shop/actors.py
import logging
import os

import django
import dramatiq
from django.conf import settings
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AsyncIO

from django_lifespan_ctx import current_state
from django_lifespan_ctx.contrib.dramatiq import LifespanMiddleware
from django_lifespan_ctx.worker import on_lifespan_loop, worker_lifespan

# `dramatiq` is not a manage.py command: the module it loads sets Django up.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
django.setup()

logger = logging.getLogger(__name__)

broker = RedisBroker(url=settings.REDIS_URL)
broker.add_middleware(AsyncIO())  # Runs async actors, on a loop of Dramatiq's own.
broker.add_middleware(LifespanMiddleware())  # Once: the contexts, in each worker process.
dramatiq.set_broker(broker)


@dramatiq.actor
def fetch_book(book_id):
    # A sync actor: the request runs on the lifespan's event loop, where the client was made.
    client = current_state()["api_client"]
    response = worker_lifespan().run(client.get(f"/books/{book_id}/"))
    logger.info("Book %s: %s", book_id, response.json())


@dramatiq.actor
@on_lifespan_loop  # Under @dramatiq.actor: from Dramatiq's loop to the lifespan's.
async def fetch_author(author_id):
    client = current_state()["api_client"]
    response = await client.get(f"/authors/{author_id}/")
    logger.info("Author %s: %s", author_id, response.json())
