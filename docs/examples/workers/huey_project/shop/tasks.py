# shop/tasks.py
from huey.contrib.djhuey import db_task

from django_lifespan_ctx import current_state
from django_lifespan_ctx.contrib.huey import run_on_lifespan_loop
from django_lifespan_ctx.worker import worker_lifespan


@db_task()
def fetch_book(book_id):
    # A sync task: the request runs on the lifespan's event loop, where the client was made.
    client = current_state()["api_client"]
    response = worker_lifespan().run(client.get(f"/books/{book_id}/"))
    return response.json()


@db_task()
@run_on_lifespan_loop  # below @db_task(): the whole task runs on the lifespan's event loop
async def fetch_author(author_id):
    client = current_state()["api_client"]
    response = await client.get(f"/authors/{author_id}/")
    return response.json()
