from __future__ import annotations

from typing import TypedDict

from django.http import HttpResponse

from django_lifespan_ctx import LifespanHttpRequest


class ShopState(TypedDict):
    catalogue: list[str]
    visits: int


async def reads_the_state(request: LifespanHttpRequest[ShopState]) -> HttpResponse:
    titles = request.state["catalogue"]
    visits: int = request.state["visits"]
    typo = request.state["cataloge"]  # error
    return HttpResponse(f"{titles} {visits} {typo}")


async def reads_a_wrong_type(request: LifespanHttpRequest[ShopState]) -> HttpResponse:
    visits: str = request.state["visits"]  # error
    return HttpResponse(visits)
