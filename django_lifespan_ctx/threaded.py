"""start_in_thread(): the lifespan on an event loop of its own, for processes that have none."""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
from collections.abc import Coroutine, Sequence
from concurrent.futures import Future
from types import TracebackType
from typing import Any, TypeVar

from . import current
from .exceptions import LifespanShutdownError
from .hosted import lifespan
from .state import State

logger = logging.getLogger("django_lifespan_ctx")
Result = TypeVar("Result")

_running: LifespanThread | None = None


class LifespanThread:
    """The project's lifespan, run on an event loop in a daemon thread.

    The loop thread owns the contexts: it enters them, and it exits them when
    stop() asks it to. Other threads reach the loop's objects through run().
    """

    def __init__(self, *, contexts: Sequence[Any] | None = None) -> None:
        self._contexts = contexts
        self._thread = threading.Thread(target=self._main, name="django_lifespan_ctx lifespan", daemon=True)
        self._started: Future[State] = Future()
        self._finished: Future[None] = Future()
        # Bound to the loop on first use (Python 3.10+), not here.
        self._stop_requested = asyncio.Event()
        self._state: State | None = None
        self._stopping = threading.Lock()
        self._stopped = False

    @property
    def state(self) -> State:
        if self._state is None:
            raise RuntimeError("The lifespan has not started: call start() first.")
        return self._state

    def start(self) -> LifespanThread:
        """Enter the contexts; block until they are entered, or raise LifespanStartupError."""
        global _running
        if self._thread.is_alive() or self._stopped:
            raise RuntimeError("This lifespan was started already; a LifespanThread runs once.")
        if _running is not None:
            raise RuntimeError(
                "start_in_thread() is already running the lifespan in this process; its "
                "contexts would be entered twice. Use the handle the first call returned, "
                "or stop() it before starting another."
            )
        self._loop = asyncio.new_event_loop()
        try:
            self._thread.start()
            self._state = self._started.result()
            current.set_threaded_state(self._state)
            _running = self
        except BaseException:
            # The startup failed and unwound, or the wait was interrupted
            # (Ctrl+C): then the startup runs to its end, and exits at once.
            self._stopped = True
            current.set_threaded_state(None)
            _running = None
            if self._thread.ident is None:
                self._loop.close()  # The thread never started.
                raise
            try:
                self._loop.call_soon_threadsafe(self._stop_requested.set)
            except RuntimeError:
                pass  # The loop is closed: nothing is left to stop.
            self._thread.join()
            raise
        return self

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._host())
        except BaseException as exc:
            if not self._started.done():
                self._started.set_exception(exc)
            self._finished.set_exception(exc)
        else:
            self._finished.set_result(None)
        finally:
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    async def _host(self) -> None:
        async with lifespan(contexts=self._contexts) as state:
            self._started.set_result(state)
            await self._stop_requested.wait()

    def run(self, coroutine: Coroutine[Any, Any, Result], timeout: float | None = None) -> Result:
        """Run a coroutine on the lifespan's loop; block until it returns or raises.

        Call it from any thread but the loop's own. If the wait is given up
        (timeout, KeyboardInterrupt), the coroutine is cancelled.
        """
        if self._state is None or self._stopped:
            coroutine.close()
            raise RuntimeError("The lifespan is not running: start() it before run(), not after stop().")
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError(
                "run() was called on the lifespan's own loop, where it would wait for itself "
                "forever; await the coroutine instead."
            )
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except BaseException:
            future.cancel()
            raise

    def stop(self) -> None:
        """Exit the contexts; raise LifespanShutdownError if any exit failed. Idempotent."""
        global _running
        if threading.current_thread() is self._thread:
            raise RuntimeError(
                "stop() was called on the lifespan's own loop, where it would wait for itself "
                "forever; call it from another thread."
            )
        with self._stopping:
            if self._stopped:
                return
            self._stopped = True
        if self._state is None:
            return  # Never started, or its startup failed and unwound.
        try:
            self._loop.call_soon_threadsafe(self._stop_requested.set)
            self._finished.result()
        finally:
            current.set_threaded_state(None)
            _running = None
            self._thread.join()

    def __enter__(self) -> LifespanThread:
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


def start_in_thread(*, contexts: Sequence[Any] | None = None) -> LifespanThread:
    """Start the project's lifespan on an event loop in a daemon thread; return its handle.

    ``contexts`` replaces LIFESPAN_CONTEXTS and registered contexts, as for lifespan().
    """
    return LifespanThread(contexts=contexts).start()


def running_lifespan() -> LifespanThread:
    """The handle of the lifespan start_in_thread() runs in this process."""
    if _running is None:
        raise LookupError(
            "No lifespan is running in a thread of this process: call "
            "django_lifespan_ctx.start_in_thread() first (in a Celery worker, "
            "django_lifespan_ctx.contrib.celery.connect() does it in each worker process)."
        )
    return _running


@atexit.register
def _stop_at_exit() -> None:
    # A script that never called stop() still gets its exits, before the
    # interpreter freezes daemon threads. Forked children that leave with
    # os._exit (Celery's prefork pool) skip this: they need stop() called.
    if _running is None:
        return
    try:
        _running.stop()
    except LifespanShutdownError as exc:
        logger.error("%s", exc)


def _forget_after_fork() -> None:
    # A forked child has no copy of the parent's loop thread: the lifespan
    # running there is not this process's, and must not be reachable here.
    global _running
    _running = None
    current.set_threaded_state(None)


if hasattr(os, "register_at_fork"):  # pragma: no branch - Windows cannot fork
    os.register_at_fork(after_in_child=_forget_after_fork)
