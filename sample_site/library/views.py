from typing import Any

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render

from django_lifespan_ctx import LifespanHttpRequest, State

from .api import BookNotFound
from .state import LibraryState


async def home(request: LifespanHttpRequest[State]) -> HttpResponse:
    # Every key, whatever it is: the untyped State, a mapping of str to Any.
    keys = [
        (key, f"{type(value).__module__}.{type(value).__qualname__}") for key, value in request.state.items()
    ]
    books: list[dict[str, Any]] = request.state.catalogue if "catalogue" in request.state else []
    featured = request.state.get("featured")  # Refreshed every 5 s by a background service.
    context = {"state_keys": keys, "books": books, "featured": featured}
    return render(request, "library/home.html", context)


# --8<-- [start:book_view]
async def book(request: LifespanHttpRequest[LibraryState], book_id: int) -> HttpResponse:
    state = request.state
    try:
        found = await state.books_api.book(book_id)
    except BookNotFound:
        raise Http404("No such book") from None
    state.cover_cache.setdefault(book_id, f"cover-{book_id}.png")
    return render(request, "library/book.html", {"book": found, "cover": state.cover_cache[book_id]})


# --8<-- [end:book_view]


# The stand-in for the external API, served from the catalogue.


async def api_books(request: LifespanHttpRequest[LibraryState]) -> JsonResponse:
    return JsonResponse({"books": request.state.catalogue})


async def api_book(request: LifespanHttpRequest[LibraryState], book_id: int) -> JsonResponse:
    for entry in request.state.catalogue:
        if entry["id"] == book_id:
            return JsonResponse(entry)
    return JsonResponse({"error": "not found"}, status=404)
