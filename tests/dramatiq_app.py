"""What `dramatiq tests.dramatiq_app` runs: the recipe's broker and actors (docs/examples/workers/dramatiq).

The recipe's actors are called as Dramatiq calls them (``actor.fn``: the async
one through the AsyncIO middleware's loop), and each call notes what it saw.
"""

from __future__ import annotations

import os
import threading

import dramatiq
from shop_actors import broker, fetch_price, fetch_stock  # type: ignore[import-not-found,unused-ignore]

from django_lifespan_ctx import current_state
from tests.lifecycle_contexts import note

__all__ = ["broker", "fetch_async", "fetch_sync"]


def seen(kind: str, path: str, status: int) -> None:
    client = id(current_state()["http_client"])
    note(f"task {kind} {path} {status} client={client} thread={threading.get_ident()} pid={os.getpid()}")


@dramatiq.actor
def fetch_sync(path: str) -> None:
    seen("sync", path, fetch_price.fn(path))


@dramatiq.actor
def fetch_async(path: str) -> None:
    seen("async", path, fetch_stock.fn(path))
