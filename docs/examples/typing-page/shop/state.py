# shop/state.py
from typing import Protocol

from django_lifespan_ctx import StateMapping


class ShopState(StateMapping, Protocol):
    catalogue: list[str]
    visits: int
