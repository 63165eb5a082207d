"""python manage.py book_summary 2: one book, through the lifespan's shared client."""

from typing import Any

from django.core.management.base import CommandParser

from django_lifespan_ctx.management import LifespanCommand

from ...services import book_summary


# --8<-- [start:command]
class Command(LifespanCommand):
    help = "Print a book's summary, fetched from the books API with the shared httpx client."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("book_id", type=int)

    async def ahandle(self, *args: Any, **options: Any) -> str:
        # The contexts are entered: self.state and current_state() are the lifespan's.
        return await book_summary(options["book_id"])


# --8<-- [end:command]
