"""A context that writes its own log: the file named by LIFESPAN_LOG, one line per event."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


def write(event: str) -> None:
    with open(os.environ["LIFESPAN_LOG"], "a") as log:
        log.write(f"{event} {os.getpid()}\n")


@asynccontextmanager
async def logged() -> AsyncIterator[dict[str, str]]:
    write("enter")
    yield {"greeting": "hello"}
    write("exit")


@asynccontextmanager
async def broken() -> AsyncIterator[None]:
    write("enter broken")
    raise RuntimeError("the database is down")
    yield  # pragma: no cover
