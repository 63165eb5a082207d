"""RQ jobs that use the worker's state: the shared HTTP client a lifespan context opened.

Run them with the lifespan in each process that runs jobs:

    rq worker --worker-class django_lifespan_ctx.contrib.rq.LifespanWorker --url redis://localhost:6379/0

and enqueue them from a view like any RQ job:

    Queue(connection=Redis.from_url(REDIS_URL)).enqueue(fetch_price, "/prices/42")
"""

from __future__ import annotations

from django_lifespan_ctx import current_state
from django_lifespan_ctx.worker import on_lifespan_loop, worker_lifespan


def fetch_price(path: str) -> int:
    client = current_state()["http_client"]
    # The client belongs to the lifespan's event loop: a sync job runs its request there.
    response = worker_lifespan().run(client.get(path))
    return response.status_code


@on_lifespan_loop  # RQ runs an async job on a new loop; this moves it to the lifespan's loop.
async def fetch_stock(path: str) -> int:
    response = await current_state()["http_client"].get(path)
    return response.status_code
