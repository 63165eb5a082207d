"""One context and its owner: the task, or for a sync context the thread, that enters and exits it.

This is the engine's one way to enter, hold and exit a context. The runner
uses it for every entry, and wrapping entries (run_once, and whatever wraps
next) hand their inner context to it rather than entering it themselves.

An owner holds its context from enter to exit and never goes away in between.
Whoever waits on it only asks: it starts the owner, sleeps until woken, and
releases it. Whatever the waiter gives up on, the owner still finishes: an
enter that completes after startup gave up is exited at once, by its owner.
Nothing escapes an owner: SystemExit or KeyboardInterrupt raised out of a
task would stop the event loop itself, so every outcome is kept as data for
the waiter to act on.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, cast

from django_lifespan_ctx._engine import observers
from django_lifespan_ctx._engine.calls import call_in_thread, post
from django_lifespan_ctx._engine.plan import Entry
from django_lifespan_ctx._engine.state import State
from django_lifespan_ctx._engine.words import article

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


class Holder(Protocol):
    loop: asyncio.AbstractEventLoop
    released: bool
    release_waiter: asyncio.Future[None] | None


async def hold_until_released(holder: Holder) -> None:
    """Wait for the release, even through cancellation (an owner's, or a run owner's).

    Some servers (gunicorn's asgi worker) cancel every task when they stop,
    before the lifespan shutdown. An owner cancelled then would close its
    contexts early, out of order. It waits for its turn instead: whoever
    started an owner always releases it.
    """
    while not holder.released:
        holder.release_waiter = waiter = holder.loop.create_future()
        try:
            await waiter
        except asyncio.CancelledError:
            uncancel_current_task()


def uncancel_current_task() -> None:
    """Python 3.11+: undo a cancellation we absorbed, so timeouts inside what follows still work."""
    uncancel = getattr(asyncio.current_task(), "uncancel", None)
    if uncancel is not None:
        uncancel()


# Python 3.12+: an owner's task runs at once, up to its first wait, instead
# of one trip round the loop later. A no-op enter then costs no trip at all.
EAGER_TASKS = sys.version_info >= (3, 12)


def start_task(loop: asyncio.AbstractEventLoop, coroutine: Any, name: str) -> asyncio.Task[None]:
    if EAGER_TASKS and loop.get_task_factory() is None:
        return asyncio.Task(coroutine, loop=loop, name=name, eager_start=True)  # type: ignore[call-arg,unused-ignore]
    return loop.create_task(coroutine, name=name)


class Owner:
    """Enters one context, holds it until released, exits it; tells ``wake`` at each change.

    ``enter_done`` is set once the enter returned or raised, ``done`` once the
    owner is finished with the context (exited, or never entered).
    """

    # Class-level defaults rather than __slots__ set one by one: an owner is made for
    # every context at every startup, and most of these never change from the default.
    enter_done = False
    done = False
    value: Any = None
    enter_error: BaseException | None = None
    exit_error: BaseException | None = None
    opened = False
    # The context a run owner entered for it (runs.py), until that run owner exits it.
    made: Any = None
    in_thread = False
    overdue = False
    exit_phase: observers.Phase = "shutdown"
    released = False
    release_waiter: asyncio.Future[None] | None = None
    _thread_release: threading.Event | None = None
    _task: asyncio.Task[None] | None = None
    _started = 0.0
    _exit_began = 0.0

    def __init__(self, entry: Entry, report: ContextReport, wake: Callable[[], None]) -> None:
        self.entry, self.report, self.wake = entry, report, wake
        self.loop = asyncio.get_running_loop()

    # -- what the waiter calls --------------------------------------------

    def start(self, state: Mapping[str, Any]) -> None:
        self.begin()
        try:
            made, is_async = make_context(self.entry, state)
            self._launch(made, is_async)
        except BaseException as exc:
            self.mark_enter_failed(exc)

    def begin(self) -> None:
        """The enter starts now: for the timings and the observers."""
        self._started = time.perf_counter()
        observers.step_started("startup", "context", self.entry.name, self.entry.origin)

    def start_made(self, made: Any) -> None:
        """Enter in a thread of its own a sync context that a run owner made (runs.py) after begin()."""
        try:
            self._launch(made, False)
        except BaseException as exc:
            self.mark_enter_failed(exc)

    def _launch(self, made: Any, is_async: bool) -> None:
        if is_async:
            self._task = start_task(self.loop, self._own(made), f"lifespan context {self.entry.name}")
            self._task.add_done_callback(self._task_ended)
        else:
            self.in_thread = True
            self._thread_release = threading.Event()
            call_in_thread(
                self._own_in_thread,
                made,
                name=f"lifespan {self.entry.name}",
                done=self._thread_ended,
                loop=self.loop,
            )

    def release(self, phase: observers.Phase) -> None:
        """Exit now, or as soon as the enter returns; an async enter still running is cancelled."""
        if self.released:
            return
        self.released = True
        self.exit_phase = phase
        if self.opened:
            self.mark_exit_started()
        waiter = self.release_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if self._thread_release is not None:
            self._thread_release.set()
        if self._task is not None and not self.enter_done:
            self._task.cancel()

    def cancel(self) -> None:
        """Past its deadline: cancel what runs in the task. A thread cannot be interrupted."""
        if self._task is not None:
            self._task.cancel()

    # -- the owner itself -------------------------------------------------

    async def _own(self, made: Any) -> None:
        try:
            try:
                value = await made.__aenter__()
            except BaseException as exc:
                self.mark_enter_failed(exc)
                return
            self.mark_entered(value)
            await hold_until_released(self)
            try:
                await made.__aexit__(None, None, None)
            except BaseException as exc:
                self.exit_error = exc
        finally:
            # An abandoned owner whose loop has ended is closed by the garbage
            # collector: no one is left to tell, and no loop to tell them on.
            if not self.loop.is_closed():
                self.mark_finished()

    def _task_ended(self, task: asyncio.Task[None]) -> None:
        # A task cancelled before its first step never runs _own(), nor its finally:
        # without this, a waiter would wait for it for ever.
        if self.done:
            return
        if not self.enter_done:
            self.mark_enter_failed(asyncio.CancelledError())
        else:
            self.mark_finished()

    def _own_in_thread(self, made: Any) -> None:
        # In the owner's thread (calls.call_in_thread, which closes its connections after).
        assert self._thread_release is not None
        try:
            value = made.__enter__()
        except BaseException as exc:
            post(self.loop, self.mark_enter_failed, exc)
            return
        post(self.loop, self.mark_entered, value)
        self._thread_release.wait()
        made.__exit__(None, None, None)

    def _thread_ended(self, result: Any, error: BaseException | None) -> None:
        if error is not None:
            self.exit_error = error  # The exit raised (or closing the thread's connections did).
        self.mark_finished()

    # -- bookkeeping, always on the event loop; the outcome first, then the observers

    def mark_enter_failed(self, error: BaseException) -> None:
        self.enter_error = error
        self.report.failed = not isinstance(error, asyncio.CancelledError)
        self.enter_done = self.done = True
        self.wake()
        observers.step_finished("startup", "context", self.entry.name, self.entry.origin, error)

    def mark_entered(self, value: Any) -> None:
        self.value = value
        self.opened = True
        self.enter_done = True
        self.report.enter_seconds = seconds = time.perf_counter() - self._started
        self.wake()
        if self.released:
            # Released while still entering: the exit starts as soon as the enter returns.
            self.mark_exit_started()
        if logger.isEnabledFor(logging.DEBUG):
            observers.observe(observers.LOGGING, log_step, "Entered", self.report, "startup", seconds)
        if observers.watching:
            keys = yielded_keys(value)
            observers.step_finished("startup", "context", self.entry.name, self.entry.origin, None, keys)

    def mark_exit_started(self) -> None:
        self._exit_began = time.perf_counter()
        observers.step_started(self.exit_phase, "context", self.entry.name, self.entry.origin)

    def mark_finished(self) -> None:
        if self.done:
            return
        self.enter_done = self.done = True
        self.wake()
        if not self.opened:
            return
        self.report.exit_seconds = seconds = time.perf_counter() - self._exit_began
        if self.exit_error is not None:
            self.report.failed = True
        if logger.isEnabledFor(logging.DEBUG):
            observers.observe(observers.LOGGING, log_step, "Exited", self.report, self.exit_phase, seconds)
        observers.step_finished(
            self.exit_phase, "context", self.entry.name, self.entry.origin, self.exit_error
        )


def yielded_keys(value: Any) -> tuple[str, ...]:
    if type(value) is dict:  # The usual case, without the ABC check.
        return tuple(map(str, cast("dict[object, Any]", value)))
    if not isinstance(value, Mapping):
        return ()
    try:
        return tuple(str(key) for key in cast("Mapping[object, Any]", value))
    except Exception:
        return ()  # The merge reports a mapping that cannot be read.


def log_step(verb: str, report: ContextReport, phase: observers.Phase, seconds: float) -> None:
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
