from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from django.http import HttpRequest, HttpResponse
from django.urls import path

from django_lifespan_ctx import LifespanHttpRequest


class Client:
    """Stands in for an HTTP client: what the views read from the state."""


class BenchState(Protocol):
    client: Client


@asynccontextmanager
async def shared_client() -> AsyncIterator[dict[str, Client]]:
    yield {"client": Client()}


def respond(body: bytes) -> HttpResponse:
    # A length, so servers need not chunk and the load generator reads one body.
    return HttpResponse(body, headers={"Content-Length": str(len(body))})


async def no_state(request: HttpRequest) -> HttpResponse:
    return respond(b"no state")


async def read_state(request: LifespanHttpRequest[BenchState]) -> HttpResponse:
    # Both ways users read it: by item (Starlette's habit) and by attribute.
    by_item = request.state["client"]  # type: ignore[index]
    by_attribute = request.state.client
    return respond(b"state" if by_item is by_attribute else b"wrong state")


async def read_state_by_item(request: HttpRequest) -> HttpResponse:
    # django-asgi-lifespan's request.state is a plain dict: no attribute reads.
    state = request.state  # type: ignore[attr-defined]
    first, second = state["client"], state["client"]
    return respond(b"state" if first is second else b"wrong state")


urlpatterns = [
    path("no-state/", no_state),
    path("read-state/", read_state),
    path("read-state-by-item/", read_state_by_item),
]
