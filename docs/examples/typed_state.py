"""The state described as a TypedDict: views read it by item, type-checked."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import TypedDict

from django.http import JsonResponse
from django.urls import path

from django_lifespan_ctx import LifespanHttpRequest


# --8<-- [start:typeddict]
class ProjectState(TypedDict):
    books: list[str]
    visits: dict[str, int]


async def book_list(request: LifespanHttpRequest[ProjectState]) -> JsonResponse:
    visits = request.state["visits"]
    visits["book_list"] = visits.get("book_list", 0) + 1
    return JsonResponse({"books": request.state["books"], "visits": visits["book_list"]})


# --8<-- [end:typeddict]


@asynccontextmanager
async def books() -> AsyncGenerator[ProjectState, None]:
    yield {"books": ["Dune", "Emma"], "visits": {}}


urlpatterns = [path("books/", book_list)]
