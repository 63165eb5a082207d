"""What the sample's lifespan contexts put in request.state, for the type checker."""

from typing import Any, Protocol, cast

import httpx
from django.http import HttpRequest

from .api import BooksAPI


# --8<-- [start:state_protocol]
class LibraryState(Protocol):
    catalogue: list[dict[str, Any]]
    httpx_client: httpx.AsyncClient
    cover_cache: dict[int, str]
    books_api: BooksAPI


def library_state(request: HttpRequest) -> LibraryState:
    """request.state, typed: mypy checks every attribute views read."""
    return cast(LibraryState, request.state)  # type: ignore[attr-defined]


# --8<-- [end:state_protocol]
