"""Code deep in the project that needs the lifespan's client but was passed no request."""

from typing import Any, cast

from django_lifespan_ctx import current_state

from .state import LibraryState


# --8<-- [start:service]
def library() -> LibraryState:
    """The running lifespan's state, typed: in a view, a command, or a Celery task."""
    return cast(LibraryState, current_state())


async def book_summary(book_id: int) -> str:
    book: dict[str, Any] = await library().books_api.book(book_id)
    return f"{book['title']} by {book['author']} ({book['year']})"


# --8<-- [end:service]
