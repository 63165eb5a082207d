"""A Dramatiq broker that runs the project's lifespan in each worker process, and actors using it.

dramatiq shop_actors --processes 2 --threads 4
"""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
django.setup()  # Before the actors import models; `dramatiq` is not a manage.py command.

import dramatiq  # noqa: E402
from dramatiq.brokers.redis import RedisBroker  # noqa: E402
from dramatiq.middleware import AsyncIO  # noqa: E402

from django_lifespan_ctx import current_state  # noqa: E402
from django_lifespan_ctx.contrib.dramatiq import LifespanMiddleware  # noqa: E402
from django_lifespan_ctx.worker import on_lifespan_loop, worker_lifespan  # noqa: E402

broker = RedisBroker(url=os.environ.get("REDIS_URL", "redis://localhost:6379/0"))
broker.add_middleware(AsyncIO())  # Runs async actors, on a loop of Dramatiq's own.
broker.add_middleware(LifespanMiddleware())  # Once: the contexts, in each worker process.
dramatiq.set_broker(broker)


@dramatiq.actor
def fetch_price(path: str) -> int:
    client = current_state()["http_client"]
    # The client belongs to the lifespan's event loop: a sync actor runs its request there.
    response = worker_lifespan().run(client.get(path))
    return response.status_code


@dramatiq.actor
@on_lifespan_loop  # Under @dramatiq.actor: from Dramatiq's loop to the lifespan's.
async def fetch_stock(path: str) -> int:
    response = await current_state()["http_client"].get(path)
    return response.status_code
