"""run_once(): a context that one process in the whole deployment holds at a time.

The process that takes a lock enters the wrapped context; the others keep
trying every LIFESPAN_RUN_ONCE_INTERVAL and take over when the holder exits
or dies. The lock is a PostgreSQL session-level advisory lock on a connection
of its own, or, on other databases, a file lock that covers one host only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, cast

from django_lifespan_ctx._config.conf import conf
from django_lifespan_ctx._config.sources import inspect_plan
from django_lifespan_ctx._engine.deadlines import Deadline, Waker
from django_lifespan_ctx._engine.observers import log
from django_lifespan_ctx._engine.owner import ContextReport, Owner
from django_lifespan_ctx._engine.plan import Entry
from django_lifespan_ctx._engine.state import State
from django_lifespan_ctx._ops.readiness import now
from django_lifespan_ctx._ops.run_once_locks import FileLock, Lock, PostgresLock, this_process

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

    @property
    def lifespan_service_name(self) -> str | None:
        # A background() service wrapped in run_once() keeps its name, so a clash is still E019.
        return getattr(self.entry, "lifespan_service_name", None)

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
        log(
            logging.WARNING,
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
        # What the wrapped context raised on its way out, now that everything has run.
        if holder.held_error is not None:
            raise holder.held_error
        if holder.exit_error is not None:
            raise holder.exit_error


def run_once(entry: Any, *, key: str, using: str = "default") -> RunOnce:
    """Wrap a context (dotted path or factory) so that one process holds it at a time."""
    return RunOnce(entry, key=key, using=using)


class Holder:
    """Tries for the lock until stopped; while it holds the lock, an Owner holds the context.

    The context is entered, held and exited by the engine's Owner, like any
    other: a sync one in a daemon thread of its own. The lock is released only
    once that owner is done with the context. If the exit is abandoned (past
    the shutdown deadline), the lock stays held until the exit returns, or
    until the process ends and the database or the OS lets go of it.
    """

    def __init__(self, run_once: RunOnce, entry: Entry, lock: Lock, state: State, interval: float) -> None:
        self.run_once, self.entry, self.lock = run_once, entry, lock
        self.state, self.interval = state, interval
        self.stop = asyncio.Event()
        self.first_attempt: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.holder: str | None = None
        self.held_here = False
        self.since: str | None = None
        # A SystemExit or KeyboardInterrupt from the context, held until its exit has run.
        self.held_error: BaseException | None = None
        # An exit error of the wrapped context, reported when the run-once context exits.
        self.exit_error: BaseException | None = None
        self._waker = Waker()
        self._abandoned: Owner | None = None
        self._letting_go: set[asyncio.Task[None]] = set()

    def _first_done(self, error: BaseException | None = None) -> None:
        if self.first_attempt.done():
            return
        if error is None:
            self.first_attempt.set_result(None)
        else:
            self.first_attempt.set_exception(error)

    async def run(self) -> None:
        # Nothing escapes this task: SystemExit out of a task would stop the loop.
        keep_lock = False
        try:
            keep_lock = await self._try_until_stopped()
        except BaseException as exc:
            if not self.first_attempt.done():
                self._first_done(exc)
            elif not isinstance(exc, asyncio.CancelledError):
                self.held_error = exc
            keep_lock = self._abandoned is not None
        finally:
            self._first_done()
            if not keep_lock:
                await self.lock.close()

    async def _try_until_stopped(self) -> bool:
        """True when the lock must outlive this task: an abandoned exit still runs."""
        while not self.stop.is_set():
            try:
                if await self.lock.try_acquire():
                    if await self._hold_and_release():
                        return self._abandoned is not None
                else:
                    self.holder = await self.lock.holder()
                    self._first_done()
            except Exception as exc:
                if not self.first_attempt.done():
                    self._first_done(exc)
                    return False
                log(logging.ERROR, "%r: %s; trying again in %g s.", self.run_once, exc, self.interval)
            await self._pause(self.interval)
        return False

    async def _hold_and_release(self) -> bool:
        """Hold the context until stopped or the lock is lost; True when done for good."""
        first = not self.first_attempt.done()
        owner = Owner(self.entry, ContextReport(self.entry.name, repr(self.run_once)), self._on_owner)
        owner.start(self.state)
        try:
            await self._until(lambda: owner.enter_done)
            if owner.enter_error is not None:
                if first or not isinstance(owner.enter_error, Exception):
                    raise owner.enter_error
                log(
                    logging.ERROR,
                    "%r: %s; trying again in %g s.",
                    self.run_once,
                    owner.enter_error,
                    self.interval,
                )
                return False
            if owner.value is not None:
                error = RunOnceError(yields_message(self.run_once, owner.value))
                if first:
                    raise error
                log(logging.ERROR, "%s", error)
                return True
            self.holder, self.held_here, self.since = this_process(), True, now().isoformat()
            log(logging.INFO, "%r: this process (%s) holds the lock; entered.", self.run_once, self.holder)
            self._first_done()
            await self._hold_while_locked()
            return False
        finally:
            self.held_here = False
            await self._exit(owner)

    async def _exit(self, owner: Owner) -> None:
        owner.release("shutdown")
        try:
            await self._until(lambda: owner.done)
        except asyncio.CancelledError:
            # Given up on from outside (the shutdown deadline): the exit is
            # cancelled as the runner cancels an overdue one (a thread cannot
            # be), and the lock is let go of only once it has returned.
            owner.cancel()
            self._abandoned = owner
            self._on_owner()
            raise
        if owner.opened:
            log(logging.INFO, "%r: exited %r.", self.run_once, self.entry.name)
            if owner.exit_error is not None:
                if isinstance(owner.exit_error, Exception):
                    self.exit_error = owner.exit_error
                else:
                    self.held_error = owner.exit_error
        await self.lock.release()

    def _on_owner(self) -> None:
        self._waker.wake()
        owner = self._abandoned
        if owner is not None and owner.done:
            self._abandoned = None
            task = asyncio.get_running_loop().create_task(self._let_go())
            self._letting_go.add(task)
            task.add_done_callback(self._letting_go.discard)

    async def _let_go(self) -> None:
        try:
            await self.lock.release()
        finally:
            await self.lock.close()

    async def _until(self, condition: Callable[[], bool]) -> None:
        deadline = Deadline(None)
        while not condition():
            await self._waker.sleep(deadline)

    async def _hold_while_locked(self) -> None:
        while not await self._pause(self.interval):
            if not await self.lock.still_held():
                log(
                    logging.ERROR,
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
