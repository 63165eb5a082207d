# shop/by_item.py
from typing import TypedDict

from django.http import JsonResponse

from django_lifespan_ctx import LifespanHttpRequest


class ShopItems(TypedDict):
    catalogue: list[str]
    visits: int


async def book_list(request: LifespanHttpRequest[ShopItems]) -> JsonResponse:
    return JsonResponse({"books": request.state["catalogue"], "visits": request.state["visits"]})
