"""One context and its owner: the task, or for a sync context the thread, that enters and exits it.

An owner holds its context from enter to exit and never goes away in between.
The runner only asks: it starts an owner, waits for it with a deadline, and
releases it. Whatever the runner gives up on, the owner still finishes: an
enter that completes after startup gave up is exited at once, by its owner.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from . import events
from .registry import Entry
from .state import State
from .words import article

logger = logging.getLogger("django_lifespan_ctx")

Kind = Literal["context", "receiver"]


@dataclass
class ContextReport:
    """What one context (or receiver) did: for logs and the ``lifespan`` command."""

    name: str
    origin: str
    kind: Kind = "context"
    enter_seconds: float | None = None
    exit_seconds: float | None = None
    keys: tuple[str, ...] = ()
    failed: bool = False


def not_a_context_manager(entry: Entry, made: object) -> str:
    found = article(type(made).__name__)
    if inspect.iscoroutine(made):
        made.close()  # Never awaited; closing it avoids a RuntimeWarning.
        fix = (
            "it is a plain `async def`: make it yield the state once, and decorate "
            "it with @contextlib.asynccontextmanager"
        )
    elif inspect.isasyncgen(made):
        fix = "decorate the async generator with @contextlib.asynccontextmanager"
    elif inspect.isgenerator(made):
        made.close()
        fix = "decorate the generator with @contextlib.contextmanager"
    else:
        fix = "return an object with __aenter__/__aexit__ (or __enter__/__exit__)"
    return f"{entry.name!r} returned {found}, not a context manager: {fix}."


def make_context(entry: Entry, state: Mapping[str, Any]) -> tuple[Any, bool]:
    """Call the factory; return the context manager and whether it is async."""
    made: Any = entry.factory(State(dict(state))) if entry.takes_state else entry.factory()
    kind = cast("type[object]", type(made))
    if hasattr(kind, "__aenter__") and hasattr(kind, "__aexit__"):
        return made, True
    if hasattr(kind, "__enter__") and hasattr(kind, "__exit__"):
        return made, False
    raise TypeError(not_a_context_manager(entry, made))


def close_thread_connections() -> None:
    """Close the database connections this thread opened (Django keeps them per thread)."""
    from django.db import connections

    connections.close_all()


def post(loop: asyncio.AbstractEventLoop, function: Callable[..., None], *args: Any) -> None:
    """Run ``function`` on the loop, from a thread; nothing to tell once the loop is closed."""
    try:
        loop.call_soon_threadsafe(function, *args)
    except RuntimeError:
        pass


def settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def hold_until(release: asyncio.Event) -> None:
    """Wait for the release, even through cancellation.

    Some servers (gunicorn's asgi worker) cancel every task when they stop,
    before the lifespan shutdown. An owner cancelled then would close its
    context early, out of order. It waits for its turn instead: the runner
    always releases every owner, on shutdown or on its own cancellation.
    """
    while not release.is_set():
        try:
            await release.wait()
        except asyncio.CancelledError:
            # Python 3.11+: undo the cancellation we absorbed, so timeouts
            # inside the exit still work.
            uncancel = getattr(asyncio.current_task(), "uncancel", None)
            if uncancel is not None:
                uncancel()


class Owner:
    """Enters one context, holds it until released, exits it; reports through futures."""

    def __init__(self, entry: Entry, report: ContextReport) -> None:
        self.entry, self.report = entry, report
        self.loop = asyncio.get_running_loop()
        self.entered: asyncio.Future[None] = self.loop.create_future()
        self.finished: asyncio.Future[None] = self.loop.create_future()
        self.value: Any = None
        self.enter_error: BaseException | None = None
        self.exit_error: BaseException | None = None
        self.opened = False
        self.in_thread = False
        self.overdue = False
        self.exit_phase: events.Phase = "shutdown"
        self._release = asyncio.Event()
        self._thread_release = threading.Event()
        self._task: asyncio.Task[None] | None = None
        self._started = 0.0
        self._exit_began = 0.0

    # -- what the runner calls ------------------------------------------

    def start(self, state: Mapping[str, Any]) -> None:
        self._started = time.perf_counter()
        events.step_started("startup", "context", self.entry.name, self.entry.origin)
        try:
            made, is_async = make_context(self.entry, state)
        except BaseException as exc:
            self._enter_failed(exc)
            return
        if is_async:
            self._task = self.loop.create_task(self._own(made), name=f"lifespan context {self.entry.name}")
        else:
            self.in_thread = True
            threading.Thread(
                target=self._own_in_thread, args=(made,), name=f"lifespan {self.entry.name}", daemon=True
            ).start()

    def release(self, phase: events.Phase) -> None:
        """Exit now, or as soon as the enter returns; an async enter still running is cancelled."""
        if self._release.is_set():
            return
        self.exit_phase = phase
        if self.opened:
            self._exit_started()
        self._release.set()
        self._thread_release.set()
        if self._task is not None and not self.entered.done():
            self._task.cancel()

    def cancel(self) -> None:
        """Past its deadline: cancel what runs in the task. A thread cannot be interrupted."""
        if self._task is not None:
            self._task.cancel()

    # -- the owner itself -------------------------------------------------

    async def _own(self, made: Any) -> None:
        # Nothing escapes this task: SystemExit or KeyboardInterrupt raised out
        # of a task would stop the event loop itself.
        try:
            try:
                value = await made.__aenter__()
            except BaseException as exc:
                self._enter_failed(exc)
                return
            self._entered(value)
            await hold_until(self._release)
            try:
                await made.__aexit__(None, None, None)
            except BaseException as exc:
                self.exit_error = exc
        finally:
            self._finish()

    def _own_in_thread(self, made: Any) -> None:
        try:
            try:
                value = made.__enter__()
            except BaseException as exc:
                post(self.loop, self._enter_failed, exc)
                return
            post(self.loop, self._entered, value)
            self._thread_release.wait()
            try:
                made.__exit__(None, None, None)
            except BaseException as exc:
                self.exit_error = exc
        finally:
            try:
                close_thread_connections()
            finally:
                post(self.loop, self._finish)

    # -- bookkeeping, always on the event loop ------------------------------

    def _enter_failed(self, error: BaseException) -> None:
        self.enter_error = error
        self.report.failed = not isinstance(error, asyncio.CancelledError)
        events.step_finished("startup", "context", self.entry.name, self.entry.origin, error)
        settle(self.entered)
        settle(self.finished)

    def _entered(self, value: Any) -> None:
        self.value = value
        self.opened = True
        self.report.enter_seconds = seconds = time.perf_counter() - self._started
        log_step("Entered", self.report, "startup", seconds)
        events.step_finished(
            "startup", "context", self.entry.name, self.entry.origin, None, yielded_keys(value)
        )
        settle(self.entered)
        if self._release.is_set():
            # Released while still entering: the exit starts as soon as the enter returns.
            self._exit_started()

    def _exit_started(self) -> None:
        self._exit_began = time.perf_counter()
        events.step_started(self.exit_phase, "context", self.entry.name, self.entry.origin)

    def _finish(self) -> None:
        if self.opened:
            self.report.exit_seconds = seconds = time.perf_counter() - self._exit_began
            if self.exit_error is not None:
                self.report.failed = True
            log_step("Exited", self.report, self.exit_phase, seconds)
            events.step_finished(
                self.exit_phase, "context", self.entry.name, self.entry.origin, self.exit_error
            )
        settle(self.entered)
        settle(self.finished)


def yielded_keys(value: Any) -> tuple[str, ...]:
    if not isinstance(value, Mapping):
        return ()
    try:
        return tuple(str(key) for key in cast("Mapping[object, Any]", value))
    except Exception:
        return ()  # The merge reports a mapping that cannot be read.


def log_step(verb: str, report: ContextReport, phase: events.Phase, seconds: float) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        milliseconds = seconds * 1000
        logger.debug(
            "%s %r in %.2f ms",
            verb,
            report.name,
            milliseconds,
            extra={
                "lifespan_context": report.name,
                "lifespan_phase": phase,
                "lifespan_duration_ms": milliseconds,
            },
        )
