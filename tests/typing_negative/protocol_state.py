from __future__ import annotations

from typing import Protocol

from django.http import HttpResponse

from django_lifespan_ctx import LifespanHttpRequest


class Catalogue:
    titles: list[str]


class ShopState(Protocol):
    catalogue: Catalogue
    visits: int


async def reads_the_state(request: LifespanHttpRequest[ShopState]) -> HttpResponse:
    titles = request.state.catalogue.titles
    request.state.visits += 1
    typo = request.state.cataloge  # error
    return HttpResponse(f"{titles} {typo}")


async def writes_the_wrong_type(request: LifespanHttpRequest[ShopState]) -> HttpResponse:
    request.state.visits = "many"  # error
    return HttpResponse()
