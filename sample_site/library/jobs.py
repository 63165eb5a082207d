"""The sample's Django Tasks task, beside its Celery task (tasks.py).

`manage.py db_worker` runs it when django-tasks-db is installed (on Django 5.2,
with the django-tasks backport): see the sample's settings.
"""

try:
    from django.tasks import task  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # Django 5.2: the backport
    from django_tasks import task  # type: ignore[no-redef,unused-ignore]

from django_lifespan_ctx.worker import on_lifespan_loop

from .services import book_summary


# --8<-- [start:task]
@task()
@on_lifespan_loop  # Runs on the worker lifespan's loop, where the shared client was made.
async def summarise_book_later(book_id: int) -> str:
    return await book_summary(book_id)


# --8<-- [end:task]
