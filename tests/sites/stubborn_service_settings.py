"""Settings for commands whose lifespan runs a service that swallows every cancellation.

The service is reported and abandoned at shutdown; the process must still end.
"""

from __future__ import annotations

import asyncio
from typing import Any

from django_lifespan_ctx.contexts import background
from tests.lifecycle_contexts import note
from tests.sites.command_settings import *


async def swallows_its_cancellation(state: Any) -> None:
    note("service started")
    while True:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            note("service swallowed a cancellation")


LIFESPAN_CONTEXTS = [*LIFESPAN_CONTEXTS, background(swallows_its_cancellation, name="stubborn")]  # pyright: ignore[reportConstantRedefinition]
LIFESPAN_SHUTDOWN_TIMEOUT = 1
