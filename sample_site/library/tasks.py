"""The sample's Celery task; imported only by a Celery worker (the `celery` extra)."""

from celery import shared_task  # type: ignore[import-untyped]

from django_lifespan_ctx.contrib.celery import worker_lifespan

from .services import book_summary


# --8<-- [start:task]
@shared_task  # type: ignore[untyped-decorator]
def summarise_book(book_id: int) -> str:
    # A prefork task is sync code: the shared client lives on the lifespan's
    # loop, so the coroutine runs there, and this thread waits for it.
    return worker_lifespan().run(book_summary(book_id))


# --8<-- [end:task]
