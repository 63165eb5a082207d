"""A lifespan on an event loop in a daemon thread of its own, for code that has no loop.

``start_in_thread()``, the sync test helpers and the worker integrations use it. It
drives the same Runner as every other host (hosts.py), through a HostedRunner on
its loop, so the guarantees are the same.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

from asgiref.sync import sync_to_async

from django_lifespan_ctx._engine.calls import ThreadStartError, post, start_thread
from django_lifespan_ctx._engine.deadlines import Deadline, Waker, current_hurry
from django_lifespan_ctx._engine.exceptions import Failure, LifespanStoppedError
from django_lifespan_ctx._engine.hosts import hosted_runner
from django_lifespan_ctx._engine.observers import log
from django_lifespan_ctx._engine.setup import Setup
from django_lifespan_ctx._engine.state import State

Result = TypeVar("Result")


# How long the warm-up may take: it runs after the startup, outside
# LIFESPAN_STARTUP_TIMEOUT, so it must never hold start() for long.
WARM_UP_BOUND = 2.0


async def _warm_thread_pools() -> None:
    """Give the pools an exit may use a thread each, now, while threads can still start.

    From Python 3.12 no thread can start once the interpreter begins to exit, so
    an exit run then (start_in_thread's exit hook) could use ``asyncio.to_thread``
    and ``sync_to_async`` only through threads that already exist. A pool whose
    thread is busy (other code in the process) has its thread: not waited for.
    """
    await _for_at_most(asyncio.to_thread(_nothing), WARM_UP_BOUND)
    await _for_at_most(sync_to_async(_nothing)(), WARM_UP_BOUND)


async def _for_at_most(awaitable: Coroutine[Any, Any, Any], seconds: float) -> None:
    """Await, but only for so long: then cancel it and leave it, without waiting for the cancellation."""
    task = asyncio.ensure_future(awaitable)
    await asyncio.wait({task}, timeout=seconds)
    if not task.done():
        task.cancel()


def _nothing() -> None:
    pass


class StoppedWhileStarting(RuntimeError):
    """stop() was called while start() was still entering; everything entered was exited."""


# How long a coroutine in flight at stop gets to end once cancelled, when
# LIFESPAN_SHUTDOWN_TIMEOUT is unset: the same as a background service gets.
UNBOUNDED_CANCEL_GRACE = 30.0


class ThreadHost:
    """A lifespan on an event loop in a daemon thread of its own.

    The loop thread owns the contexts: it enters them, and exits them when
    stop() asks. stop() may be called from any thread, at any moment, any
    number of times, start() included: every call returns once the exits
    have run.
    """

    def __init__(
        self,
        setup: Setup,
        *,
        contexts: Sequence[Any] | None = None,
        name: str = "lifespan loop",
        warm_thread_pools: bool = False,
    ) -> None:
        self._setup = setup
        self._contexts = contexts
        self._name = name
        # Only a lifespan that may be left to interpreter exit needs it (start_in_thread).
        self._warm_thread_pools = warm_thread_pools
        self._lock = threading.Lock()
        self._stop_requested = threading.Event()
        self._started: Future[State] = Future()
        self._finished: Future[list[Failure]] = Future()
        self._wake_stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._shutdown_reported = False
        self._in_main = threading.Event()
        # Every future submit() handed out and not yet settled, with its task once
        # it has one: at stop, each is cancelled and settled before the contexts exit.
        self._in_flight: dict[Future[Any], asyncio.Task[Any] | None] = {}
        self._closed = False  # Set, under the lock, once stop has begun: submit() refuses.
        self.state: State | None = None

    @property
    def loop_thread(self) -> threading.Thread | None:
        return self._thread

    def start(self) -> State:
        """Enter the contexts; block until they are entered, or raise what startup raised."""
        with self._lock:
            if self._loop is not None:
                raise RuntimeError("This lifespan was started already; a lifespan thread runs once.")
            if self._stop_requested.is_set():
                raise StoppedWhileStarting("stop() was called before start(): nothing was entered.")
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._main, name=self._name, daemon=True)
        try:
            start_thread(self._thread)
        except ThreadStartError:
            self._loop.close()
            self._stop_requested.set()
            self._thread = None
            raise
        except BaseException:
            # Ctrl+C while the thread was starting: it may be running already.
            # A thread that the OS did start enters _main() at once.
            if not self._in_main.wait(1.0):
                self._loop.close()
                self._stop_requested.set()
                self._thread = None
                raise
            self._request_stop()
            self._finished.result()
            self._thread.join()
            raise
        try:
            state = self._started.result()
        except BaseException:
            # The startup failed and unwound, or this wait was interrupted
            # (Ctrl+C, perhaps while the thread was starting): then the
            # startup runs to its end, and exits at once.
            self._request_stop()
            self._finished.result()
            self._thread.join()
            raise
        if self._stop_requested.is_set():
            self._finished.result()
            raise StoppedWhileStarting(
                "stop() was called while the lifespan was starting: its contexts were entered "
                "and exited again, and it is not running."
            )
        return state

    def _main(self) -> None:
        assert self._loop is not None
        self._in_main.set()
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._host())
        finally:
            try:
                # Bounded: an async generator left behind (an abandoned exit) may
                # swallow its aclose(); the loop closes without waiting for it.
                self._loop.run_until_complete(_for_at_most(self._loop.shutdown_asyncgens(), 1.0))
            finally:
                self._loop.close()
                # Whatever happened, nobody waiting on this thread waits forever.
                if not self._started.done():
                    self._started.set_exception(RuntimeError("the lifespan thread ended before startup"))
                if not self._finished.done():
                    self._finished.set_result([])

    async def _host(self) -> None:
        self._wake_stop = asyncio.Event()
        host = hosted_runner(self._setup, sender=None, contexts=self._contexts)
        try:
            await host.start()
        except BaseException as exc:
            self._started.set_exception(exc)
            self._finished.set_result([])
            return
        self.state = State(host.runner.state)
        if self._warm_thread_pools:
            await _warm_thread_pools()
        self._started.set_result(self.state)
        if not self._stop_requested.is_set():
            await self._wake_stop.wait()
        await self._settle_in_flight()
        self._finished.set_result(await host.stop())

    async def _settle_in_flight(self) -> None:
        """Cancel every coroutine still running here, wait for them (bounded), and tell their callers."""
        with self._lock:
            self._closed = True
            in_flight = dict(self._in_flight)
        tasks = {task for task in in_flight.values() if task is not None}
        for task in tasks:
            task.cancel()
        grace = self._setup.shutdown_timeout()
        grace = UNBOUNDED_CANCEL_GRACE if grace is None else grace
        deadline, waker = Deadline(grace, current_hurry()), Waker()
        for task in tasks:
            task.add_done_callback(lambda _: waker.wake())
        while any(not task.done() for task in tasks) and not deadline.passed():
            await waker.sleep(deadline)
        for left in tasks:
            if not left.done():
                left.cancel()  # Once more: code that swallowed one cancellation may heed another.
                log(
                    logging.ERROR,
                    "%s did not end within %g s of its cancellation at the lifespan's stop (it swallows "
                    "asyncio.CancelledError); abandoned, still running, while the contexts exit.",
                    left.get_coro(),
                    grace,
                )
        for future, its_task in in_flight.items():
            self._settle(future, its_task)

    def _settle(self, future: Future[Any], task: asyncio.Task[Any] | None) -> None:
        """Tell the caller how its coroutine ended; always on the loop, and only once."""
        with self._lock:
            self._in_flight.pop(future, None)
        if future.done():
            return  # Settled already, or given up by its caller.
        if task is not None and task.cancelled() and not self._closed:
            future.cancel()  # Cancelled on the loop by someone else: the caller sees it so.
            return
        if not future.set_running_or_notify_cancel():
            return  # Given up by its caller just now.
        if task is None or not task.done() or task.cancelled():
            future.set_exception(self._stopped_error())
        elif task.exception() is not None:
            future.set_exception(task.exception())
        else:
            future.set_result(task.result())

    def _stopped_error(self) -> LifespanStoppedError:
        return LifespanStoppedError(
            "The lifespan stopped while this coroutine was running on its loop: it was cancelled "
            "before the contexts exited, and its result is lost. Stop the lifespan only after "
            "the work that uses it has finished (a worker: once its tasks are done)."
        )

    def _begin(self, coroutine: Coroutine[Any, Any, Any], future: Future[Any]) -> None:
        if future.done():  # Given up by its caller, or settled at stop, before it began.
            coroutine.close()
            with self._lock:
                self._in_flight.pop(future, None)
            return
        assert self._loop is not None
        task = self._loop.create_task(coroutine)
        with self._lock:
            if future in self._in_flight:
                self._in_flight[future] = task
        task.add_done_callback(lambda _: self._settle(future, task))

    def _request_stop(self) -> None:
        self._stop_requested.set()
        if self._loop is not None:
            post(self._loop, self._wake)

    def _wake(self) -> None:
        if self._wake_stop is not None:
            self._wake_stop.set()

    def stop(self) -> list[Failure]:
        """Exit the contexts; return the failures to the first caller, nothing to later ones."""
        if threading.current_thread() is self._thread:
            raise RuntimeError(
                "stop() was called on the lifespan's own loop, where it would wait for itself "
                "forever; call it from another thread."
            )
        with self._lock:
            if self._thread is None:
                self._stop_requested.set()  # Never started: nothing to exit.
                return []
            self._request_stop()
        try:
            failures = self._finished.result()
        except BaseException:
            return []  # The startup failed and unwound: start() raised it.
        self._thread.join()
        with self._lock:
            if self._shutdown_reported:
                return []
            self._shutdown_reported = True
        return failures

    def run(self, coroutine: Coroutine[Any, Any, Result], timeout: float | None = None) -> Result:
        """Run a coroutine on the lifespan's loop; block until it returns or raises.

        Raises LifespanStoppedError if the lifespan stops first (the coroutine
        is cancelled before the contexts exit).
        """
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError(
                "run() was called on the lifespan's own loop, where it would wait for itself "
                "forever; await the coroutine instead."
            )
        future = self.submit(coroutine)
        try:
            return future.result(timeout)
        except BaseException:
            future.cancel()
            raise

    async def arun(self, coroutine: Coroutine[Any, Any, Result]) -> Result:
        """Await a coroutine on the lifespan's loop from any loop; on its own, just await it."""
        if threading.current_thread() is self._thread:
            return await coroutine
        # Cancelling this await cancels the coroutine's task on the lifespan's loop too.
        return await asyncio.wrap_future(self.submit(coroutine))

    def submit(self, coroutine: Coroutine[Any, Any, Result]) -> Future[Result]:
        """Start a coroutine on the lifespan's loop; its future is settled, whatever happens.

        It gets the coroutine's outcome, or LifespanStoppedError if the lifespan
        stops first. Cancelling the future cancels the coroutine.
        """
        future: Future[Result] = Future()
        with self._lock:
            if self.state is None or self._loop is None:
                coroutine.close()
                raise RuntimeError("The lifespan is not running: start() it before run(), not after stop().")
            if self._closed or self._stop_requested.is_set():
                coroutine.close()
                raise LifespanStoppedError(
                    "The lifespan is not running: it was stopped, or is stopping. Call run() or "
                    "arun() only while it runs (start() it before run(), not after stop())."
                )
            self._in_flight[future] = None
            # Posted under the lock: it reaches the loop before the stop request does.
            post(self._loop, self._begin, coroutine, future)
        future.add_done_callback(self._cancel_if_given_up)
        return future

    def _cancel_if_given_up(self, future: Future[Any]) -> None:
        if future.cancelled() and self._loop is not None:
            post(self._loop, self._cancel_task_of, future)

    def _cancel_task_of(self, future: Future[Any]) -> None:
        with self._lock:
            task = self._in_flight.get(future)
        if task is not None:
            task.cancel()
