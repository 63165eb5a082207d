"""[`start_in_thread()`][django_lifespan_ctx.start_in_thread]: the lifespan on an event loop of its
own, for processes that have none."""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable, Coroutine, Sequence
from types import TracebackType
from typing import Any, Generic, TypeVar, cast, overload

from django_lifespan_ctx._config.statetype import check_asked_type
from django_lifespan_ctx._engine.exceptions import (
    LifespanShutdownError,
    LifespanStoppedError,
    raise_for_shutdown,
)
from django_lifespan_ctx._engine.observers import log
from django_lifespan_ctx._engine.process import process_wide
from django_lifespan_ctx._engine.state import State, StateT
from django_lifespan_ctx._engine.thread_host import StoppedWhileStarting, ThreadHost
from django_lifespan_ctx._serving.setup import SETUP
from django_lifespan_ctx._serving.state import lookups as current

logger = logging.getLogger("django_lifespan_ctx")
Result = TypeVar("Result")
Asked = TypeVar("Asked")

_running: LifespanThread[Any] | None = None
_running_lock = threading.Lock()

__all__ = [
    "LifespanThread",
    "StoppedWhileStarting",
    "running_lifespan",
    "start_in_thread",
]


class LifespanThread(Generic[StateT]):
    """The project's lifespan, run on an event loop in a daemon thread: the process's one.

    The loop thread enters the contexts and exits them. While it runs,
    [`current_state()`][django_lifespan_ctx.current_state] in every thread of the process is its
    state, and other threads reach the loop's objects through run().
    ``LifespanThread(ProjectState)`` types ``.state`` as ``ProjectState`` (checked as
    [`current_state(ProjectState)`][django_lifespan_ctx.current_state] is).
    """

    @overload
    def __init__(self: LifespanThread[State], /, *, contexts: Sequence[Any] | None = None) -> None: ...
    @overload
    def __init__(
        self, state_type: Callable[..., StateT], /, *, contexts: Sequence[Any] | None = None
    ) -> None: ...

    def __init__(
        self, state_type: Callable[..., Any] | None = None, /, *, contexts: Sequence[Any] | None = None
    ) -> None:
        self._state_type = state_type
        self._host = ThreadHost(
            SETUP, contexts=contexts, name="django_lifespan_ctx lifespan", warm_thread_pools=True
        )
        self._state: State | None = None
        self._stopped = False
        # Set, under _running_lock, as stop() begins: from then on nobody is
        # handed this lifespan (running_lifespan()), though its exits still run.
        self._stopping = False

    @property
    def started(self) -> bool:
        """Whether start() has entered the contexts and stop() has not been called."""
        return self._state is not None and not self._stopped and not self._stopping

    @property
    def state(self) -> StateT:
        if self._state is None:
            raise RuntimeError("The lifespan has not started: call start() first.")
        return cast(StateT, self._state)

    def start(self) -> LifespanThread[StateT]:
        """Enter the contexts; block until they are entered, or raise LifespanStartupError."""
        global _running
        if self._state_type is not None:
            check_asked_type(self._state_type, "start_in_thread({})")
        with _running_lock:
            if self._host.loop_thread is not None:
                raise RuntimeError("This lifespan was started already; a LifespanThread runs once.")
            if _running is not None and _running._stopping:
                raise RuntimeError(
                    "start_in_thread(): the last lifespan of this process is still stopping (its "
                    "exits run now); start another once its stop() has returned."
                )
            if _running is not None:
                raise RuntimeError(
                    "start_in_thread() is already running the lifespan in this process; its "
                    "contexts would be entered twice. Use the handle the first call returned, "
                    "or stop() it before starting another."
                )
            _running = self
        _exit_with_interpreter()
        try:
            state = self._host.start()
        except BaseException:
            self._forget()
            raise
        try:
            with _running_lock:
                if _running is self and not self._stopped:
                    self._state = state
                    current.set_threaded_state(state)
        except BaseException:
            # Ctrl+C in the moment after the startup: the caller never gets a handle to stop.
            self._host.stop()
            self._forget()
            raise
        return self

    def _forget(self) -> None:
        global _running
        self._stopped = True
        with _running_lock:
            if _running is self:
                _running = None
                current.set_threaded_state(None)

    def run(self, coroutine: Coroutine[Any, Any, Result], timeout: float | None = None) -> Result:
        """Run a coroutine on the lifespan's loop; block until it returns or raises.

        Call it from any thread but the loop's own. If the wait is given up
        (timeout, KeyboardInterrupt), the coroutine is cancelled.
        """
        if self._stopped:
            coroutine.close()
            raise LifespanStoppedError(
                "The lifespan is not running: it was stopped. Call run() before stop()."
            )
        return self._host.run(coroutine, timeout)

    async def arun(self, coroutine: Coroutine[Any, Any, Result]) -> Result:
        """Await a coroutine on the lifespan's loop, from any event loop (on its own, just await it).

        What an async task awaits when the queue runs it on a loop of its own:
        the state's async clients work only on the lifespan's loop. Cancelling
        this await cancels the coroutine there too.
        """
        if self._stopped:
            coroutine.close()
            raise LifespanStoppedError(
                "The lifespan is not running: it was stopped. Call arun() before stop()."
            )
        return await self._host.arun(coroutine)

    def stop(self) -> None:
        """Exit the contexts; raise LifespanShutdownError if any exit failed.

        Thread-safe and idempotent: call it from any thread, at any moment,
        start() included; every call returns once the exits have run.
        """
        with _running_lock:
            self._stopping = True
        failures = self._host.stop()
        self._forget()
        raise_for_shutdown(failures)

    def __enter__(self) -> LifespanThread[StateT]:
        # `with start_in_thread() as running:` gets the handle start_in_thread() started.
        return self if self._state is not None and not self._stopped else self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        status = "stopped" if self._stopped else "running" if self._state is not None else "not started"
        return f"<LifespanThread {status}>"


@overload
def start_in_thread(*, contexts: Sequence[Any] | None = None) -> LifespanThread[State]: ...
@overload
def start_in_thread(
    state_type: Callable[..., Asked], /, *, contexts: Sequence[Any] | None = None
) -> LifespanThread[Asked]: ...


def start_in_thread(
    state_type: Callable[..., Any] | None = None, /, *, contexts: Sequence[Any] | None = None
) -> LifespanThread[Any]:
    """Start the project's lifespan on an event loop in a daemon thread; return its handle.

    ``contexts`` replaces LIFESPAN_CONTEXTS and registered contexts, as for
    [`lifespan()`][django_lifespan_ctx.lifespan].
    ``start_in_thread(ProjectState)`` types the handle's ``.state`` as ``ProjectState``.
    """
    if state_type is None:
        return LifespanThread(contexts=contexts).start()
    return LifespanThread(state_type, contexts=contexts).start()


@overload
def running_lifespan() -> LifespanThread[State]: ...
@overload
def running_lifespan(state_type: Callable[..., Asked], /) -> LifespanThread[Asked]: ...


def running_lifespan(state_type: Callable[..., Any] | None = None, /) -> LifespanThread[Any]:
    """The handle of the lifespan [`start_in_thread()`][django_lifespan_ctx.start_in_thread] runs
    in this process.

    ``running_lifespan(ProjectState)`` types its ``.state`` as ``ProjectState``.
    """
    if state_type is not None:
        check_asked_type(state_type, "running_lifespan({})")
    running = _running
    if running is None or not running.started:
        raise LookupError(
            "No lifespan is running in a thread of this process: call "
            "django_lifespan_ctx.start_in_thread() first. In a task worker, the queue's "
            "integration does it in each worker process (django_lifespan_ctx.contrib: "
            "celery, django_tasks, huey, rq, dramatiq); see the Workers page of the docs."
        )
    return running


def _stop_at_exit() -> None:
    # A script that never called stop() still gets its exits, while the
    # interpreter's thread pools still accept work (sync_to_async and
    # asyncio.to_thread in an exit need them). Forked children that leave
    # with os._exit (Celery's prefork pool) skip this: they need stop() called.
    running = _running
    if running is None:
        return
    try:
        running.stop()
    except LifespanShutdownError as exc:
        log(logging.ERROR, "%s", exc)


_exit_hook_registered = False


def _exit_with_interpreter() -> None:
    """Register _stop_at_exit to run before concurrent.futures refuses new work.

    threading's own exit hooks run before atexit's, and in reverse order of
    registration: registered after concurrent.futures (which asyncio imports),
    ours runs first, while ThreadPoolExecutor.submit still works.
    """
    global _exit_hook_registered
    if _exit_hook_registered:
        return
    _exit_hook_registered = True
    register = getattr(threading, "_register_atexit", None)
    try:
        if register is None:  # pragma: no cover - not CPython
            raise RuntimeError
        register(_stop_at_exit)
    except RuntimeError:  # pragma: no cover - already shutting down, or no such hook
        atexit.register(_stop_at_exit)


@process_wide
def _reset() -> None:
    # No lifespan running. In a forked child, the parent's loop thread has no copy:
    # the lifespan running there is not this process's, and must not be reachable.
    global _running, _running_lock
    _running = None
    _running_lock = threading.Lock()
    current.set_threaded_state(None)
