"""What the bookstore example's tests add to it: the catalogue it calls, and views that report loops.

The server calls itself: CATALOGUE_URL points at its own `catalogue/` URLs, so the
example's httpx client makes real requests without leaving 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from asgiref.sync import async_to_sync
from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from django_lifespan_ctx import State


@asynccontextmanager
async def lifespan_loop() -> AsyncIterator[dict[str, Any]]:
    """The loop the contexts are entered on, and the thread that runs it."""
    yield {"lifespan_loop": asyncio.get_running_loop(), "lifespan_thread": threading.get_ident()}


async def where_it_runs(state: State) -> dict[str, bool]:
    return {
        "lifespan_loop": asyncio.get_running_loop() is state["lifespan_loop"],
        "lifespan_thread": threading.get_ident() == state["lifespan_thread"],
    }


def loops(request: HttpRequest) -> JsonResponse:
    """A sync view: where each way of calling a coroutine from it runs the coroutine."""
    state: State = request.state  # type: ignore[attr-defined]
    in_a_plain_thread: dict[str, Any] = {}

    def plain_thread() -> None:
        in_a_plain_thread.update(async_to_sync(where_it_runs)(state))

    thread = threading.Thread(target=plain_thread)
    thread.start()
    thread.join()
    return JsonResponse(
        {
            "view": {"lifespan_thread": threading.get_ident() == state["lifespan_thread"]},
            "async_to_sync": async_to_sync(where_it_runs)(state),
            "force_new_loop": async_to_sync(where_it_runs, force_new_loop=True)(state),
            "plain_thread": in_a_plain_thread,
        }
    )


def client_on_another_loop(request: HttpRequest) -> JsonResponse:
    """The example's client, used right, then from a loop it does not belong to."""
    client = request.state["catalogue"]  # type: ignore[attr-defined]
    right = async_to_sync(client.get)("/books/1/")  # Leaves a connection in the pool.
    try:
        async_to_sync(client.get, force_new_loop=True)("/books/1/")
    except RuntimeError as error:
        return JsonResponse({"right": right.status_code, "wrong": str(error)})
    return JsonResponse({"right": right.status_code, "wrong": None})


def catalogue_book(request: HttpRequest, isbn: str) -> JsonResponse:
    return JsonResponse({"isbn": isbn, "title": f"The book numbered {isbn}"})


urlpatterns = [
    path("", include("bookstore.urls")),
    path("catalogue/books/<str:isbn>/", catalogue_book),
    path("loops/", loops),
    path("another-loop/", client_on_another_loop),
]
