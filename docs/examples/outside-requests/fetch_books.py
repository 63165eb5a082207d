# fetch_books.py
import asyncio
import os
import sys

import django
from shop.services import fetch_book

from django_lifespan_ctx import lifespan


async def main(book_ids):
    # The project's contexts, entered here and exited when the block ends.
    async with lifespan():
        for book_id in book_ids:
            print(await fetch_book(book_id))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    django.setup()
    asyncio.run(main(sys.argv[1:]))
