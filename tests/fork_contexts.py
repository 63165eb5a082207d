"""Settings and contexts for servers that fork after a lifespan ran: one that uses asgiref's own thread.

sync_to_async outside a request runs on asgiref's one process-wide thread: a
context that uses it in a forked worker hangs unless that executor was reset
after the fork.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from asgiref.sync import sync_to_async

from tests.lifecycle_contexts import note
from tests.sites.settings import *  # noqa: F403 - the settings of the preloaded server

LIFESPAN_CONTEXTS = ["tests.lifecycle_contexts.logged", "tests.fork_contexts.uses_asgiref"]


@asynccontextmanager
async def uses_asgiref() -> AsyncIterator[dict[str, str]]:
    await sync_to_async(note)("enter uses_asgiref")
    try:
        yield {"uses_asgiref": "value of uses_asgiref"}
    finally:
        await sync_to_async(note)("exit uses_asgiref")
