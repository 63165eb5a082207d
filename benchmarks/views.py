from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path

NO_STATE: dict[str, Any] = {}


class Client:
    """Stands in for an HTTP client: what the view reads from the state."""


@asynccontextmanager
async def shared_client() -> AsyncIterator[dict[str, Client]]:
    yield {"client": Client()}


async def read_state(request: HttpRequest) -> HttpResponse:
    # The same view for every handler: plain Django has no request.state.
    state = getattr(request, "state", NO_STATE)
    body = b"state" if "client" in state else b"no state"
    # A length, so servers need not chunk and the load generator reads one body.
    return HttpResponse(body, headers={"Content-Length": str(len(body))})


urlpatterns = [path("read-state/", read_state)]
