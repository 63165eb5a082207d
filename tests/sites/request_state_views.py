"""Views and contexts for tests/serving/test_request_state.py: request.state through real requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

from django.http import HttpRequest, JsonResponse
from django.urls import path

from django_lifespan_ctx import LifespanHttpRequest, State, current_state
from django_lifespan_ctx._serving.state.lookups import running_request_scope
from tests.sites.views import missing_view


@asynccontextmanager
async def starlette_habits() -> AsyncIterator[dict[str, Any]]:
    # Keys named like State's methods: Starlette's tests yield "items", API keys come as "keys".
    yield {"items": [], "keys": "api-key", "client": "the client"}


class HabitState(Protocol):
    items: list[int]
    keys: str
    client: str


async def shadowed(request: LifespanHttpRequest[HabitState]) -> JsonResponse:
    request.state.items.append(1)
    return JsonResponse(
        {
            "items": request.state.items,
            "keys": request.state.keys,
            "as_dict": dict(request.state),  # type: ignore[call-overload]
            "unpacked": sorted({**request.state}),  # type: ignore[dict-item]
            "length": len(request.state),  # type: ignore[arg-type]
            "items_method": sorted(State.keys(request.state)),  # type: ignore[arg-type]
        }
    )


async def write(request: Any) -> JsonResponse:
    request.state.update = "written as an attribute"
    request.state["get"] = "written as an item"
    return JsonResponse({"update": request.state.update, "get": request.state.get})


def _identity(request: Any) -> dict[str, bool]:
    state = request.state
    return {
        "same_on_every_read": state is request.state,
        "is_current_state": state is current_state(),
        "is_the_scope_state": state is request.scope["state"],
        "is_a_state": type(state) is State,
    }


async def identity(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_identity(request))


def sync_identity(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_identity(request))


async def current_first(request: Any) -> JsonResponse:
    # current_state() before request.state: the same object either way round.
    state = current_state()
    return JsonResponse({"is_request_state": state is request.state})


async def running_scope(request: Any) -> JsonResponse:
    return JsonResponse({"is_the_request_scope": running_request_scope() is request.scope})


def sync_running_scope(request: Any) -> JsonResponse:
    return JsonResponse({"is_the_request_scope": running_request_scope() is request.scope})


async def assigned(request: Any) -> JsonResponse:
    # What django-asgi-lifespan's LifespanStateMiddleware does to every request.
    request.state = request.scope["state"]
    return JsonResponse({"client": request.state.client, "is_a_state": type(request.state) is State})


urlpatterns = [
    path("shadowed/", shadowed),
    path("write/", write),
    path("identity/", identity),
    path("sync-identity/", sync_identity),
    path("current-first/", current_first),
    path("missing/", missing_view),  # The one in tests/views.py, under these contexts.
    path("assigned/", assigned),
    path("running-scope/", running_scope),
    path("sync-running-scope/", sync_running_scope),
]
