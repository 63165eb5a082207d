# mysite/views.py
from django.http import HttpRequest, JsonResponse

from .services import book_title, fetch_title


def book(request: HttpRequest, isbn: str) -> JsonResponse:
    # A sync view: Django runs it in a worker thread.
    return JsonResponse({"title": book_title(isbn)})


async def book_async(request: HttpRequest, isbn: str) -> JsonResponse:
    return JsonResponse({"title": await fetch_title(isbn)})
