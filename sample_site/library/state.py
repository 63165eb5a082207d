"""What the sample's lifespan contexts put in request.state, for the type checker and for startup."""

from typing import Any, Protocol

import httpx

from .api import BooksAPI


# --8<-- [start:state_protocol]
class LibraryState(Protocol):
    catalogue: list[dict[str, Any]]
    httpx_client: httpx.AsyncClient
    cover_cache: dict[int, str]
    books_api: BooksAPI


# --8<-- [end:state_protocol]
