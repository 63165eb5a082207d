# shop/tasks.py
from django_tasks import task  # Django 6.0: from django.tasks import task

from django_lifespan_ctx import current_state
from django_lifespan_ctx.worker import on_lifespan_loop, worker_lifespan


@task()
def fetch_book(book_id):
    # A sync task: the request runs on the lifespan's event loop, where the client was made.
    client = current_state()["api_client"]
    response = worker_lifespan().run(client.get(f"/books/{book_id}/"))
    return response.json()


@task()
@on_lifespan_loop  # below @task(): the whole task runs on the lifespan's event loop
async def fetch_author(author_id):
    client = current_state()["api_client"]
    response = await client.get(f"/authors/{author_id}/")
    return response.json()
