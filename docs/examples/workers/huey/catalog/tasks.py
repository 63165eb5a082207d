"""Found by `manage.py run_huey`, which imports each app's tasks module."""

from huey.contrib.djhuey import db_task

from django_lifespan_ctx import current_state
from django_lifespan_ctx.contrib.huey import run_on_lifespan_loop
from django_lifespan_ctx.worker import worker_lifespan


@db_task()
def book_title(isbn: str) -> dict[str, str]:
    client = current_state()["http_client"]
    response = worker_lifespan().run(client.get(f"/books/{isbn}"))
    return response.json()


@db_task()
@run_on_lifespan_loop
async def book_price(isbn: str) -> dict[str, str]:
    response = await current_state()["http_client"].get(f"/prices/{isbn}")
    return response.json()
