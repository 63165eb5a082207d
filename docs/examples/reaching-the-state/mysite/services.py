# mysite/services.py
from asgiref.sync import async_to_sync

from django_lifespan_ctx import current_state


async def fetch_title(isbn: str) -> str:
    """For async callers: `await fetch_title(isbn)`."""
    response = await current_state()["catalogue"].get(f"/books/{isbn}/")
    response.raise_for_status()
    return str(response.json()["title"])


def book_title(isbn: str) -> str:
    """For sync callers: a sync view, or code it calls."""
    # Runs fetch_title on the server's loop, where the client was made, while this
    # thread waits for it; other requests go on being served meanwhile.
    return async_to_sync(fetch_title)(isbn)
