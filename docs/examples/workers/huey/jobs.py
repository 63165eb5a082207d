"""A Huey instance with the project's lifespan in each worker: `huey_consumer jobs.huey -k process -w 4`."""

import os

import django

# huey_consumer imports this module first: Django's settings (and LIFESPAN_CONTEXTS) must be ready.
django.setup()

from huey import SqliteHuey  # noqa: E402

from django_lifespan_ctx import current_state  # noqa: E402
from django_lifespan_ctx.contrib.huey import connect, run_on_lifespan_loop  # noqa: E402
from django_lifespan_ctx.worker import worker_lifespan  # noqa: E402

huey = SqliteHuey("jobs", filename=os.environ.get("HUEY_DB", "jobs.sqlite3"))
connect(huey)


@huey.task()
def book_title(isbn: str) -> dict[str, str]:
    # Sync code reaches the state's async client on the lifespan's loop.
    client = current_state()["http_client"]
    response = worker_lifespan().run(client.get(f"/books/{isbn}"))
    return response.json()


@huey.task()
@run_on_lifespan_loop
async def book_price(isbn: str) -> dict[str, str]:
    response = await current_state()["http_client"].get(f"/prices/{isbn}")
    return response.json()
