# run_jobs.py
import os
import sys

import django
from shop.services import fetch_book

from django_lifespan_ctx import start_in_thread


def main(book_ids):
    # Sync code: the contexts are entered on an event loop in a thread of their own,
    # once, and exited when the block ends.
    with start_in_thread() as lifespan:
        for book_id in book_ids:
            # The client belongs to the lifespan's loop: the coroutine runs there, and this waits.
            print(lifespan.run(fetch_book(book_id)))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    django.setup()
    main(sys.argv[1:])
