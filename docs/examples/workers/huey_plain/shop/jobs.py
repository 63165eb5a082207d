# shop/jobs.py
import os

import django

# huey_consumer imports this module before anything has read Django's settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
django.setup()

from django.conf import settings  # noqa: E402
from huey import SqliteHuey  # noqa: E402

from django_lifespan_ctx import current_state  # noqa: E402
from django_lifespan_ctx.contrib.huey import connect, run_on_lifespan_loop  # noqa: E402
from django_lifespan_ctx.worker import worker_lifespan  # noqa: E402

huey = SqliteHuey("shop", filename=str(settings.BASE_DIR / "huey.sqlite3"))
# Once for this instance, where it is made: each worker process enters the lifespan when it starts.
connect(huey)


@huey.task()
def fetch_book(book_id):
    # A sync task: the request runs on the lifespan's event loop, where the client was made.
    client = current_state()["api_client"]
    response = worker_lifespan().run(client.get(f"/books/{book_id}/"))
    return response.json()


@huey.task()
@run_on_lifespan_loop  # below @huey.task(): the whole task runs on the lifespan's event loop
async def fetch_author(author_id):
    client = current_state()["api_client"]
    response = await client.get(f"/authors/{author_id}/")
    return response.json()
