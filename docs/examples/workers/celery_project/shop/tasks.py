# shop/tasks.py
from celery import shared_task

from django_lifespan_ctx import current_state
from django_lifespan_ctx.worker import worker_lifespan


@shared_task
def fetch_book(book_id):
    # Celery runs sync functions: the request runs on the lifespan's event loop,
    # where the client was made, and this thread waits for it.
    client = current_state()["api_client"]
    response = worker_lifespan().run(client.get(f"/books/{book_id}/"))
    return response.json()


async def author_with_books(author_id):
    # Async code that uses the client, awaited on the lifespan's loop as a whole.
    client = current_state()["api_client"]
    author = (await client.get(f"/authors/{author_id}/")).json()
    books = (await client.get(f"/authors/{author_id}/books/")).json()
    return {"author": author, "books": books}


@shared_task
def fetch_author(author_id):
    return worker_lifespan().run(author_with_books(author_id))
