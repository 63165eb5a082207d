"""run_once(): a context that one process in the whole deployment holds at a time.

The process that takes a lock enters the wrapped context; the others keep
trying every LIFESPAN_RUN_ONCE_INTERVAL and take over when the holder exits
or dies. The lock is a PostgreSQL session-level advisory lock on a connection
of its own, or, on other databases, a file lock that covers one host only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, cast

from .conf import conf
from .readiness import now
from .registry import Entry, inspect_plan
from .run_once_locks import FileLock, Lock, PostgresLock, this_process
from .state import State
from .units import close_thread_connections, make_context

logger = logging.getLogger("django_lifespan_ctx")


class RunOnceError(Exception):
    """A run-once context was misused; raised on startup."""


def yields_message(run_once: RunOnce, value: object) -> str:
    what = (
        f"the keys {list(cast(Mapping[str, Any], value))}"
        if isinstance(value, Mapping)
        else f"a {type(value).__name__}"
    )
    return (
        f"{run_once!r} wraps {run_once.name!r}, which yielded {what}. A run-once context "
        "runs in one process of the deployment, so every other process would miss "
        "what it yields: it must yield nothing. Keep background work to itself, and "
        "share results through the database or the cache."
    )


class RunOnce:
    """The factory run_once() returns: list it in LIFESPAN_CONTEXTS like any other."""

    def __init__(self, entry: Any, *, key: Any, using: str = "default") -> None:
        if not isinstance(key, str) or not key:
            raise TypeError(f"run_once() needs a key: a non-empty string naming the lock, not {key!r}.")
        self.entry, self.key, self.using = entry, key, using

    @property
    def name(self) -> str:
        return self.entry if isinstance(self.entry, str) else self._resolve().name

    def __repr__(self) -> str:
        shown = self.entry if isinstance(self.entry, str) else getattr(self.entry, "__qualname__", self.entry)
        return f"run_once({shown!r}, key={self.key!r})"

    def _resolve(self) -> Entry:
        plan, problems = inspect_plan([self.entry])
        if problems:
            raise RunOnceError(f"{self!r}: {problems[0]}")
        (step,) = plan
        assert isinstance(step, Entry)
        return step

    def _lock(self) -> Lock:
        from django.db import connections

        connection = connections[self.using]
        if connection.vendor == "postgresql":
            return PostgresLock(self.key, connection.get_connection_params())
        logger.warning(
            "%r uses a file lock, because the database %r is %s, not PostgreSQL. A file lock "
            "keeps the context to one process on this host only: each host runs it once.",
            self,
            self.using,
            connection.vendor,
        )
        return FileLock(self.key, conf.LIFESPAN_RUN_ONCE_LOCK_DIR)

    def __call__(self, state: State) -> Any:
        return self._hold(state)

    @asynccontextmanager
    async def _hold(self, state: State) -> AsyncGenerator[None, None]:
        holder = Holder(self, self._resolve(), self._lock(), state, conf.LIFESPAN_RUN_ONCE_INTERVAL)
        holders.append(holder)
        task = asyncio.create_task(holder.run(), name=f"django_lifespan_ctx {self!r}")
        try:
            await holder.first_attempt
            yield None
        finally:
            holder.stop.set()
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                task.cancel()
                await asyncio.wait({task})
                raise
            finally:
                holders.remove(holder)


def run_once(entry: Any, *, key: str, using: str = "default") -> RunOnce:
    """Wrap a context (dotted path or factory) so that one process holds it at a time."""
    return RunOnce(entry, key=key, using=using)


async def open_context(entry: Entry, state: Mapping[str, Any]) -> tuple[Any, Callable[[], Awaitable[Any]]]:
    """Enter a context; return what it yielded and the function that exits it."""
    made, is_async = make_context(entry, state)
    if is_async:
        return await made.__aenter__(), partial(made.__aexit__, None, None, None)
    # A sync context is entered and exited in one thread of its own: some
    # (thread-local connections, locks) must be exited where they were entered.
    thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="django_lifespan_ctx run_once")
    loop = asyncio.get_running_loop()

    async def exit() -> None:
        try:
            await loop.run_in_executor(thread, made.__exit__, None, None, None)
        finally:
            # Django keeps database connections per thread: this one's end with it.
            await loop.run_in_executor(thread, close_thread_connections)
            thread.shutdown(wait=False)

    entering = thread.submit(made.__enter__)
    try:
        value = await asyncio.shield(asyncio.wrap_future(entering))
    except asyncio.CancelledError:
        # The thread cannot be interrupted: if its enter still returns, it is
        # exited there and then, as the runner's own owners do.
        entering.add_done_callback(partial(_exit_if_entered, made, thread))
        raise
    except BaseException:
        thread.shutdown(wait=False)
        raise
    return value, exit


def _exit_if_entered(made: Any, thread: ThreadPoolExecutor, entering: Future[Any]) -> None:
    if not entering.cancelled() and entering.exception() is None:
        thread.submit(made.__exit__, None, None, None)
        thread.submit(close_thread_connections)
    thread.shutdown(wait=False)


class Holder:
    """Tries for the lock until stopped; enters and exits the context while it holds it.

    One task does all of it, so the task that entered the context is the one
    that exits it, and the lock is released only after that exit.
    """

    def __init__(self, run_once: RunOnce, entry: Entry, lock: Lock, state: State, interval: float) -> None:
        self.run_once, self.entry, self.lock = run_once, entry, lock
        self.state, self.interval = state, interval
        self.stop = asyncio.Event()
        self.first_attempt: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.holder: str | None = None
        self.held_here = False
        self.since: str | None = None

    def _first_done(self, error: BaseException | None = None) -> None:
        if self.first_attempt.done():
            return
        if error is None:
            self.first_attempt.set_result(None)
        else:
            self.first_attempt.set_exception(error)

    async def run(self) -> None:
        try:
            while not self.stop.is_set():
                try:
                    if await self.lock.try_acquire():
                        finished = await self._hold_and_release()
                        if finished:
                            return
                    else:
                        self.holder = await self.lock.holder()
                        self._first_done()
                except Exception as exc:
                    if not self.first_attempt.done():
                        self._first_done(exc)
                        return
                    logger.error("%r: %s; trying again in %g s.", self.run_once, exc, self.interval)
                await self._pause(self.interval)
        finally:
            self._first_done()
            await self.lock.close()

    async def _hold_and_release(self) -> bool:
        """Hold the context until stopped or the lock is lost; True when done for good."""
        first = not self.first_attempt.done()
        try:
            value, exit = await open_context(self.entry, self.state)
            try:
                if value is not None:
                    raise RunOnceError(yields_message(self.run_once, value))
                self.holder, self.held_here, self.since = this_process(), True, now().isoformat()
                logger.info("%r: this process (%s) holds the lock; entered.", self.run_once, self.holder)
                self._first_done()
                await self._hold_while_locked()
            finally:
                self.held_here = False
                await exit()
                logger.info("%r: exited %r.", self.run_once, self.entry.name)
        except RunOnceError as exc:
            if first:
                raise
            logger.error("%s", exc)
            return True
        finally:
            await self.lock.release()
        return False

    async def _hold_while_locked(self) -> None:
        while not await self._pause(self.interval):
            if not await self.lock.still_held():
                logger.error(
                    "%r: lost the lock (its database connection dropped); exiting %r so that "
                    "another process can take over.",
                    self.run_once,
                    self.entry.name,
                )
                return

    async def _pause(self, seconds: float) -> bool:
        """Wait up to `seconds`; True when told to stop."""
        try:
            await asyncio.wait_for(self.stop.wait(), seconds)
        except asyncio.TimeoutError:
            return False
        return True

    def describe(self) -> dict[str, Any]:
        return {
            "key": self.run_once.key,
            "context": self.entry.name,
            "lock": self.lock.kind,
            "holder": self.holder,
            "held_here": self.held_here,
            "held_since": self.since if self.held_here else None,
        }


# The run-once contexts open in this process, for readyz/.
holders: list[Holder] = []
