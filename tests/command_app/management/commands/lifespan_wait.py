"""Waits inside the lifespan until it is interrupted, as a long-running command would."""

from __future__ import annotations

import asyncio
from typing import Any

from django_lifespan_ctx.management import LifespanCommand
from tests.lifecycle_contexts import note


class Command(LifespanCommand):
    async def ahandle(self, *args: Any, **options: Any) -> None:
        note(f"ahandle sees {sorted(self.state)}")
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            note("ahandle cancelled")
            raise
