"""Contexts and health checks for the operations tests (probes, telemetry, run-once)."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from django_lifespan_ctx import State
from tests.contexts import record


@asynccontextmanager
async def database() -> AsyncIterator[dict[str, Any]]:
    record("enter database")
    pool = {"open": True}
    yield {"pool": pool}
    pool["open"] = False
    record("exit database")


def _seconds(name: str) -> float:
    return float(os.environ.get(name, "0"))


@asynccontextmanager
async def slow_start() -> AsyncIterator[None]:
    """Takes LIFESPAN_TEST_START_SECONDS to enter, and fails if LIFESPAN_TEST_FAIL_START is set."""
    record("enter slow_start")
    await asyncio.sleep(_seconds("LIFESPAN_TEST_START_SECONDS"))
    if os.environ.get("LIFESPAN_TEST_FAIL_START"):
        raise ConnectionRefusedError("the broker at broker.internal:5672 refused the connection")
    yield
    await asyncio.sleep(_seconds("LIFESPAN_TEST_EXIT_SECONDS"))
    record("exit slow_start")


@asynccontextmanager
async def gated_exit(state: State) -> AsyncIterator[dict[str, Any]]:
    """Exits only once its gate opens: a test looks at readyz/ in between."""
    gate = asyncio.Event()
    yield {"exit_gate": gate}
    await gate.wait()


async def pool_open(state: State) -> bool:
    return bool(state.pool["open"])


def no_unhealthy_flag(state: State) -> None:
    """Fails while the file named by LIFESPAN_TEST_UNHEALTHY exists: tests flip it on a live server."""
    flag = os.environ.get("LIFESPAN_TEST_UNHEALTHY")
    if flag and Path(flag).exists():
        raise ConnectionError("password=hunter2 rejected by db.internal")


async def hangs(state: State) -> None:
    await asyncio.Event().wait()


OPS_NOT_CALLABLE = "a string, not a check"


@asynccontextmanager
async def scheduler() -> AsyncIterator[None]:
    """Background work that must run in one process: logs to a file all processes share."""
    _log_run_once("enter")
    try:
        yield
    finally:
        _log_run_once("exit")


def _log_run_once(event: str) -> None:
    record(f"{event} scheduler")
    path = os.environ.get("LIFESPAN_TEST_RUN_ONCE_LOG")
    if path:
        # One O_APPEND write per line: whole lines, in the order the processes wrote them.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{event} {os.getpid()}\n".encode())
        finally:
            os.close(fd)


def never_returns(state: State) -> None:
    threading.Event().wait()  # A database that froze mid-query, say.
