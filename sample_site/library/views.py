from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .books import BOOKS


async def home(request: HttpRequest) -> HttpResponse:
    state = request.state  # type: ignore[attr-defined]
    keys = [(key, f"{type(value).__module__}.{type(value).__qualname__}") for key, value in state.items()]
    return render(request, "library/home.html", {"state_keys": keys, "books": BOOKS})


async def book(request: HttpRequest, book_id: int) -> HttpResponse:
    # One client for the whole process, opened at startup by LIFESPAN_CONTEXTS.
    client = request.state["httpx_client"]  # type: ignore[attr-defined]
    response = await client.get(f"{settings.BOOKS_API_URL}books/{book_id}/")
    if response.status_code == 404:
        raise Http404("No such book")
    response.raise_for_status()
    return render(request, "library/book.html", {"book": response.json()})


# The stand-in for the external API.


async def api_books(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"books": BOOKS})


async def api_book(request: HttpRequest, book_id: int) -> JsonResponse:
    for entry in BOOKS:
        if entry["id"] == book_id:
            return JsonResponse(entry)
    return JsonResponse({"error": "not found"}, status=404)
