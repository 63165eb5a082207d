"""Opening and closing one context, or one group of them."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from asgiref.sync import sync_to_async

from ._timeout import deadline
from .exceptions import Failure
from .registry import Entry
from .state import State

logger = logging.getLogger("django_lifespan_ctx")

ExitFunction = Callable[[], Awaitable[Any]]


@dataclass
class ContextReport:
    """What one context did: for logs and the ``lifespan`` command."""

    name: str
    origin: str
    enter_seconds: float | None = None
    exit_seconds: float | None = None
    keys: tuple[str, ...] = ()


def not_a_context_manager(entry: Entry, made: object) -> str:
    found = type(made).__name__
    if inspect.iscoroutine(made):
        made.close()  # Never awaited; closing it avoids a RuntimeWarning.
        fix = "it is an async function: decorate it with @contextlib.asynccontextmanager"
    elif inspect.isasyncgen(made):
        fix = "decorate the async generator with @contextlib.asynccontextmanager"
    elif inspect.isgenerator(made):
        made.close()
        fix = "decorate the generator with @contextlib.contextmanager"
    else:
        fix = "return an object with __aenter__/__aexit__ (or __enter__/__exit__)"
    return f"{entry.name!r} returned a {found}, not a context manager: {fix}."


async def open_context(entry: Entry, state: Mapping[str, Any]) -> tuple[Any, ExitFunction]:
    made: Any = entry.factory(State(dict(state))) if entry.takes_state else entry.factory()
    kind = cast("type[object]", type(made))
    if hasattr(kind, "__aenter__") and hasattr(kind, "__aexit__"):
        value = await made.__aenter__()
        return value, partial(made.__aexit__, None, None, None)
    if hasattr(kind, "__enter__") and hasattr(kind, "__exit__"):
        # Sync contexts run off the event loop, in asgiref's thread-sensitive
        # executor, so enter and exit happen in the same thread.
        value = await sync_to_async(made.__enter__)()
        return value, sync_to_async(partial(made.__exit__, None, None, None))
    raise TypeError(not_a_context_manager(entry, made))


class SingleUnit:
    def __init__(self, entry: Entry, exit: ExitFunction, report: ContextReport) -> None:
        self.entry, self.exit, self.report = entry, exit, report

    async def close(self, seconds: float | None) -> list[Failure]:
        started = time.perf_counter()
        limit = deadline(seconds)
        try:
            async with limit:
                await self.exit()
        except BaseException as exc:
            if limit.expired():
                return [Failure(shutdown_expired(seconds, self.entry), exc)]
            return [Failure(f"exiting {self.entry.name!r}", exc)]
        finally:
            log_exited(self.report, started)
        return []


class Member:
    """A group member, entered and exited by a task of its own."""

    def __init__(self, entry: Entry, report: ContextReport) -> None:
        self.entry, self.report = entry, report
        self.entered: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.release = asyncio.Event()
        self.value: Any = None
        self.error: BaseException | None = None
        self.opened = False
        self.task: asyncio.Task[None] | None = None

    async def hold(self, state: Mapping[str, Any]) -> None:
        started = time.perf_counter()
        try:
            self.value, exit = await open_context(self.entry, state)
        except BaseException as exc:
            self.error = exc
            self.entered.set_result(None)
            return
        log_entered(self.report, started)
        self.opened = True
        self.entered.set_result(None)
        cancelled = await hold_until(self.release)
        started = time.perf_counter()
        try:
            await exit()
        finally:
            log_exited(self.report, started)
        if cancelled:
            raise asyncio.CancelledError


async def hold_until(release: asyncio.Event) -> bool:
    """Wait for the group's release, even through cancellation; say if cancelled.

    Some servers (gunicorn's asgi worker) cancel every task when they stop,
    before the lifespan shutdown. A member cancelled then would leave its
    context open, or close it out of order. It waits for its turn instead:
    whoever owns the group always releases it, on shutdown or on its own
    cancellation.
    """
    cancelled = False
    while not release.is_set():
        try:
            await release.wait()
        except asyncio.CancelledError:
            cancelled = True
            # Python 3.11+: undo the cancellation we absorbed, so timeouts
            # inside the exit still work.
            uncancel = getattr(asyncio.current_task(), "uncancel", None)
            if uncancel is not None:
                uncancel()
    return cancelled


class GroupUnit:
    def __init__(self, members: list[Member]) -> None:
        self.members = members

    async def close(self, seconds: float | None) -> list[Failure]:
        for member in self.members:
            if member.opened:
                member.release.set()
            else:
                assert member.task is not None
                member.task.cancel()
        tasks = [member.task for member in self.members if member.task is not None]
        _, late = await asyncio.wait(tasks, timeout=seconds)
        failures: list[Failure] = []
        for member in self.members:
            if member.task in late:
                member.task.cancel()
                failures.append(Failure(shutdown_expired(seconds, member.entry), TimeoutError()))
        if late:
            await asyncio.wait(late)
        for member in self.members:
            assert member.task is not None
            if member.opened and not member.task.cancelled():
                error = member.task.exception()
                if error is not None:
                    failures.append(Failure(f"exiting {member.entry.name!r}", error))
        return failures


def log_entered(report: ContextReport, started: float) -> None:
    report.enter_seconds = time.perf_counter() - started
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("Entered %r in %.2f ms", report.name, report.enter_seconds * 1000)


def log_exited(report: ContextReport, started: float) -> None:
    report.exit_seconds = time.perf_counter() - started
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("Exited %r in %.2f ms", report.name, report.exit_seconds * 1000)


def shutdown_expired(seconds: float | None, entry: Entry) -> str:
    return f"exiting {entry.name!r}, when LIFESPAN_SHUTDOWN_TIMEOUT ({seconds:g} s) expired"
