# shop/jobs.py
from django.conf import settings
from redis import Redis
from rq import Queue

from django_lifespan_ctx import current_state
from django_lifespan_ctx.worker import on_lifespan_loop, worker_lifespan

# Enqueue from a view or the shell: queue.enqueue(fetch_book, 1).
queue = Queue(connection=Redis.from_url(settings.REDIS_URL))


def fetch_book(book_id):
    # A sync job: the request runs on the lifespan's event loop, where the client was made.
    client = current_state()["api_client"]
    response = worker_lifespan().run(client.get(f"/books/{book_id}/"))
    return response.json()


@on_lifespan_loop  # RQ runs an async job on a new loop; this moves it to the lifespan's loop.
async def fetch_author(author_id):
    client = current_state()["api_client"]
    response = await client.get(f"/authors/{author_id}/")
    return response.json()
