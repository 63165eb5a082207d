# shop/management/commands/book.py
import json

from shop.services import fetch_book

from django_lifespan_ctx.management import LifespanCommand


class Command(LifespanCommand):
    help = "Print a book as the API has it, fetched with the lifespan's client."

    def add_arguments(self, parser):
        parser.add_argument("book_id", type=int)

    async def ahandle(self, *args, **options):
        # The contexts are entered: self.state and current_state() are the lifespan's.
        book = await fetch_book(options["book_id"])
        return json.dumps(book)  # What a command returns, Django prints.
