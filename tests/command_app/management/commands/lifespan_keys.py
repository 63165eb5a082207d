"""Prints the state keys it sees, through self.state and current_state()."""

from __future__ import annotations

from typing import Any

from django_lifespan_ctx import current_state
from django_lifespan_ctx.management import LifespanCommand


class Command(LifespanCommand):
    async def ahandle(self, *args: Any, **options: Any) -> str:
        same = current_state() is self.state
        return f"keys: {', '.join(sorted(self.state))}; current_state() is self.state: {same}"
