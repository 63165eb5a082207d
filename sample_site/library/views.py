from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .api import BookNotFound
from .state import library_state


async def home(request: HttpRequest) -> HttpResponse:
    state = request.state  # type: ignore[attr-defined]
    keys = [(key, f"{type(value).__module__}.{type(value).__qualname__}") for key, value in state.items()]
    books = library_state(request).catalogue if "catalogue" in state else []
    return render(request, "library/home.html", {"state_keys": keys, "books": books})


# --8<-- [start:book_view]
async def book(request: HttpRequest, book_id: int) -> HttpResponse:
    state = library_state(request)
    try:
        found = await state.books_api.book(book_id)
    except BookNotFound:
        raise Http404("No such book") from None
    state.cover_cache.setdefault(book_id, f"cover-{book_id}.png")
    return render(request, "library/book.html", {"book": found, "cover": state.cover_cache[book_id]})


# --8<-- [end:book_view]


# The stand-in for the external API, served from the catalogue.


async def api_books(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"books": library_state(request).catalogue})


async def api_book(request: HttpRequest, book_id: int) -> JsonResponse:
    for entry in library_state(request).catalogue:
        if entry["id"] == book_id:
            return JsonResponse(entry)
    return JsonResponse({"error": "not found"}, status=404)
