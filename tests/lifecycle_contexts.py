"""Contexts that write each enter and exit, with their process id, to a log of their own.

Processes that tests start and signal (commands, Celery workers) are checked
through this log, which the contexts write themselves: LIFECYCLE_LOG names
the file. Each line also goes to stderr, so a test can wait for it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

LOG_ENV = "LIFECYCLE_LOG"
STAND_IN_ENV = "STAND_IN_URL"


def note(event: str) -> None:
    line = f"{os.getpid()} {event}\n"
    path = os.environ.get(LOG_ENV)
    if path:
        # One write to a file opened for appending: lines from several
        # processes never cut into each other.
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, line.encode())
        finally:
            os.close(descriptor)
    os.write(2, f"LIFECYCLE {line}".encode())


def read_log(path: Path) -> dict[int, list[str]]:
    """The events in a log, per process id, in the order each process wrote them."""
    found: dict[int, list[str]] = {}
    for line in path.read_text().splitlines() if path.exists() else []:
        pid, event = line.split(" ", 1)
        found.setdefault(int(pid), []).append(event)
    return found


@asynccontextmanager
async def logged() -> AsyncIterator[dict[str, str]]:
    note("enter logged")
    try:
        yield {"logged": "value of logged"}
    finally:
        note("exit logged")


@asynccontextmanager
async def http_client() -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    # The shared client: bound to the loop that entered it, like any pool.
    async with httpx.AsyncClient(base_url=os.environ.get(STAND_IN_ENV, ""), trust_env=False) as client:
        note("enter http_client")
        try:
            yield {"http_client": client}
        finally:
            note("exit http_client")


@asynccontextmanager
async def refuses_to_start() -> AsyncIterator[None]:
    note("enter refuses_to_start")
    raise ConnectionError("the search index is unreachable")
    yield  # pragma: no cover
