from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from django.http import HttpRequest, HttpResponse
from django.urls import path

from django_lifespan_ctx import LifespanHttpRequest, StateKey


class Client:
    """Stands in for an HTTP client: what the views read from the state."""


class BenchState(Protocol):
    client: Client


# The floor: a resource held in a module global, which a lifespan state replaces.
GLOBAL_CLIENT = Client()
# The same client under a typed key, as an app would declare it.
CLIENT = StateKey("client", Client)


@asynccontextmanager
async def shared_client() -> AsyncIterator[dict[str, Client]]:
    client = Client()
    # Both keys in every case's state, so that all cases copy the same state.
    yield {"client": client, CLIENT: client}


def respond(body: bytes) -> HttpResponse:
    # A length, so servers need not chunk and the load generator reads one body.
    return HttpResponse(body, headers={"Content-Length": str(len(body))})


async def no_state(request: HttpRequest) -> HttpResponse:
    return respond(b"no state")


# The three single-read views differ only in where the client comes from.


async def read_global(request: HttpRequest) -> HttpResponse:
    client = GLOBAL_CLIENT
    return respond(b"state" if client is not None else b"no client")


async def read_item(request: HttpRequest) -> HttpResponse:
    # Ours is a State, django-asgi-lifespan's a plain dict: both read by item.
    client = request.state["client"]  # type: ignore[attr-defined]
    return respond(b"state" if client is not None else b"no client")


async def read_attribute(request: LifespanHttpRequest[BenchState]) -> HttpResponse:
    client = request.state.client
    return respond(b"state" if client is not None else b"no client")


async def read_key(request: LifespanHttpRequest) -> HttpResponse:
    client = request.state[CLIENT]  # A Client to type checkers, with no state type.
    return respond(b"state" if client is not None else b"no client")


async def read_state(request: LifespanHttpRequest[BenchState]) -> HttpResponse:
    # Both ways users read it: by item (Starlette's habit) and by attribute.
    by_item = request.state["client"]  # type: ignore[index]
    by_attribute = request.state.client
    return respond(b"state" if by_item is by_attribute else b"wrong state")


urlpatterns = [
    path("no-state/", no_state),
    path("read-global/", read_global),
    path("read-item/", read_item),
    path("read-attribute/", read_attribute),
    path("read-state/", read_state),
    path("read-key/", read_key),
]
