# shop/management/commands/catalogue.py
from typing import Any

from shop.state import ShopState

from django_lifespan_ctx.management import LifespanCommand


class Command(LifespanCommand[ShopState]):
    help = "Counts the catalogue the lifespan loaded."

    async def ahandle(self, *args: Any, **options: Any) -> str:
        return f"{len(self.state.catalogue)} titles, {self.state.visits} visits"
