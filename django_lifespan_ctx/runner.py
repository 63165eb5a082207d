from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from asgiref.sync import sync_to_async

from ._timeout import deadline
from .conf import conf
from .exceptions import Failure, LifespanShutdownError, LifespanStartupError
from .registry import Entry, Group, Plan, build_plan, describe
from .signals import asgi_shutdown, asgi_startup
from .state import State

logger = logging.getLogger("django_lifespan_ctx")

ExitFunction = Callable[[], Awaitable[Any]]
SERVER = "the ASGI server"


@dataclass
class ContextReport:
    """What one context did: for logs and the ``lifespan`` command."""

    name: str
    origin: str
    enter_seconds: float | None = None
    exit_seconds: float | None = None
    keys: tuple[str, ...] = ()


def _not_a_context_manager(entry: Entry, made: object) -> str:
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


async def _open(entry: Entry, state: Mapping[str, Any]) -> tuple[Any, ExitFunction]:
    made = entry.factory(State(dict(state))) if entry.takes_state else entry.factory()
    kind = type(made)
    if hasattr(kind, "__aenter__") and hasattr(kind, "__aexit__"):
        value = await made.__aenter__()
        return value, partial(made.__aexit__, None, None, None)
    if hasattr(kind, "__enter__") and hasattr(kind, "__exit__"):
        # Sync contexts run off the event loop, in asgiref's thread-sensitive
        # executor, so enter and exit happen in the same thread.
        value = await sync_to_async(made.__enter__)()
        return value, sync_to_async(partial(made.__exit__, None, None, None))
    raise TypeError(_not_a_context_manager(entry, made))


class _Single:
    def __init__(self, entry: Entry, exit: ExitFunction, report: ContextReport) -> None:
        self.entry, self.exit, self.report = entry, exit, report

    async def close(self, seconds: float | None) -> list[Failure]:
        started = time.perf_counter()
        limit = deadline(seconds)
        try:
            async with limit:
                await self.exit()
        except BaseException as exc:  # noqa: BLE001 - every exit must run; all are reported
            if limit.expired():
                return [Failure(_shutdown_expired(seconds, self.entry), exc)]
            return [Failure(f"exiting {self.entry.name!r}", exc)]
        finally:
            _exited(self.report, started)
        return []


class _Member:
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
            self.value, exit = await _open(self.entry, state)
        except BaseException as exc:  # noqa: BLE001 - handed to the group, which raises it
            self.error = exc
            self.entered.set_result(None)
            return
        _entered(self.report, started)
        self.opened = True
        self.entered.set_result(None)
        await self.release.wait()
        started = time.perf_counter()
        try:
            await exit()
        finally:
            _exited(self.report, started)


class _GroupUnit:
    def __init__(self, members: list[_Member]) -> None:
        self.members = members

    async def close(self, seconds: float | None) -> list[Failure]:
        for member in self.members:
            if member.opened:
                member.release.set()
            else:
                assert member.task is not None
                member.task.cancel()
        tasks = [member.task for member in self.members if member.task is not None]
        done, late = await asyncio.wait(tasks, timeout=seconds)
        failures = []
        for member in self.members:
            if member.task in late:
                member.task.cancel()
                failures.append(Failure(_shutdown_expired(seconds, member.entry), TimeoutError()))
        if late:
            await asyncio.wait(late)
        for member in self.members:
            assert member.task is not None
            if member.opened and not member.task.cancelled():
                error = member.task.exception()
                if error is not None:
                    failures.append(Failure(f"exiting {member.entry.name!r}", error))
        return failures


def _entered(report: ContextReport, started: float) -> None:
    report.enter_seconds = time.perf_counter() - started
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("Entered %r in %.2f ms", report.name, report.enter_seconds * 1000)


def _exited(report: ContextReport, started: float) -> None:
    report.exit_seconds = time.perf_counter() - started
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("Exited %r in %.2f ms", report.name, report.exit_seconds * 1000)


def _shutdown_expired(seconds: float | None, entry: Entry) -> str:
    return f"LIFESPAN_SHUTDOWN_TIMEOUT ({seconds:g} s) expired while exiting {entry.name!r}"


class Runner:
    """Enters a plan's contexts on startup and exits them on shutdown.

    ``state`` is the server's lifespan state dict, if it gave one. The runner
    builds into a dict of its own and copies it there once startup succeeds,
    so shutdown never depends on what the server did to that dict since.
    """

    def __init__(
        self,
        plan: Plan,
        *,
        sender: Any,
        scope: Mapping[str, Any],
        state: dict[str, Any] | None = None,
    ) -> None:
        self.plan = plan
        # Read (and validated) up front: a bad setting fails before anything is entered.
        self.startup_timeout = conf.LIFESPAN_STARTUP_TIMEOUT
        self.shutdown_timeout = conf.LIFESPAN_SHUTDOWN_TIMEOUT
        self.sender = sender
        self.scope = scope
        self.server_state = state
        self.state: dict[str, Any] = dict(state or {})
        self.reports: list[ContextReport] = []
        self._owners = dict.fromkeys(self.state, SERVER)
        self._stack: list[_Single | _GroupUnit] = []
        self._doing = "starting"

    # -- startup ---------------------------------------------------------

    async def startup(self) -> None:
        started = time.perf_counter()
        timeout = self.startup_timeout
        limit = deadline(timeout)
        try:
            async with limit:
                for step in self.plan:
                    if isinstance(step, Group):
                        await self._enter_group(step)
                    else:
                        await self._enter(step)
                await self._send_startup()
        except BaseException as exc:
            if limit.expired():
                where = f"LIFESPAN_STARTUP_TIMEOUT ({timeout:g} s) expired while {self._doing}"
            else:
                where = self._doing
            failure = Failure(where, exc)
            cleanup = await self._unwind(self.shutdown_timeout)
            error = LifespanStartupError(failure, cleanup)
            logger.error("%s", error, exc_info=exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise error from exc
        if self.server_state is not None:
            self.server_state.update(self.state)
        logger.info(
            "Lifespan startup complete in %.1f ms: %d context(s), state keys: %s",
            (time.perf_counter() - started) * 1000,
            len(self.reports),
            ", ".join(self.state) or "(none)",
        )

    def _report(self, entry: Entry) -> ContextReport:
        report = ContextReport(entry.name, entry.origin)
        self.reports.append(report)
        return report

    async def _enter(self, entry: Entry) -> None:
        self._doing = f"entering {entry.name!r}"
        report = self._report(entry)
        started = time.perf_counter()
        value, exit = await _open(entry, self.state)
        _entered(report, started)
        # On the stack before the value is checked: a context that yields
        # something wrong has still been entered, and must still be exited.
        self._stack.append(_Single(entry, exit, report))
        self._merge(entry, value, report)

    async def _enter_group(self, group: Group) -> None:
        members = [_Member(entry, self._report(entry)) for entry in group.members]
        self._stack.append(_GroupUnit(members))
        snapshot = dict(self.state)
        for member in members:
            member.task = asyncio.create_task(
                member.hold(snapshot), name=f"lifespan context {member.entry.name}"
            )
        pending: set[asyncio.Future[None]] = {member.entered for member in members}
        while pending:
            still = [m.entry.name for m in members if not m.entered.done()]
            self._doing = "entering " + ", ".join(map(repr, still))
            _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            failed = next((m for m in members if m.error is not None), None)
            if failed is not None:
                self._doing = f"entering {failed.entry.name!r}"
                raise failed.error  # type: ignore[misc]
        for member in members:  # In list order, so a duplicate key is reported the same way every time.
            self._doing = f"entering {member.entry.name!r}"
            self._merge(member.entry, member.value, member.report)

    def _merge(self, entry: Entry, value: Any, report: ContextReport) -> None:
        if value is None:
            return
        if not isinstance(value, Mapping):
            raise TypeError(
                f"{entry.name!r} yielded a {type(value).__name__}; a lifespan context "
                "must yield a mapping of state keys to values (a dict), or None."
            )
        for key in value:
            if not isinstance(key, str):
                raise TypeError(
                    f"{entry.name!r} yielded the key {key!r}; state keys must be strings."
                )
            if key in self._owners:
                owner = self._owners[key]
                owner = owner if owner == SERVER else repr(owner)
                raise ValueError(
                    f"{entry.name!r} yielded the key {key!r}, which {owner} already "
                    "set. Rename one of the two keys: each key has one owner."
                )
        self.state.update(value)
        self._owners.update(dict.fromkeys(value, entry.name))
        report.keys = tuple(value)

    async def _send_startup(self) -> None:
        self._doing = "sending asgi_startup"
        if not asgi_startup.has_listeners(self.sender):
            return
        responses = await asgi_startup.asend_robust(
            sender=self.sender, scope=self.scope, state=State(self.state)
        )
        for receiver, response in responses:
            if isinstance(response, BaseException):
                self._doing = f"running asgi_startup receiver {describe(receiver)!r}"
                raise response

    # -- shutdown --------------------------------------------------------

    async def shutdown(self) -> list[Failure]:
        """Exit everything; return every error rather than stop at the first."""
        started = time.perf_counter()
        failures = await self._send_shutdown()
        failures += await self._unwind(self.shutdown_timeout)
        for failure in failures:
            logger.error("Lifespan shutdown: error while %s", failure, exc_info=failure.error)
        logger.info(
            "Lifespan shutdown complete in %.1f ms: %d context(s), %d error(s)",
            (time.perf_counter() - started) * 1000,
            len(self.reports),
            len(failures),
        )
        return failures

    async def _send_shutdown(self) -> list[Failure]:
        if not asgi_shutdown.has_listeners(self.sender):
            return []
        responses = await asgi_shutdown.asend_robust(
            sender=self.sender, scope=self.scope, state=State(self.state)
        )
        return [
            Failure(f"running asgi_shutdown receiver {describe(receiver)!r}", response)
            for receiver, response in responses
            if isinstance(response, BaseException)
        ]

    async def _unwind(self, seconds: float | None) -> list[Failure]:
        # Each unit gets the full timeout: one slow exit is cut short and
        # reported, but never costs the contexts after it their exit.
        failures: list[Failure] = []
        while self._stack:
            failures += await self._stack.pop().close(seconds)
        return failures


@asynccontextmanager
async def lifespan() -> AsyncIterator[State]:
    """Run the project's lifespan (contexts and signals) outside a server.

    Startup and shutdown run in a task of their own, so contexts are exited by
    the task that entered them even when the caller enters and exits this
    manager from different tasks (as some test frameworks do with fixtures).
    """
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
    runner = Runner(build_plan(), sender=None, scope=scope, state=scope["state"])
    started = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()

    async def host() -> list[Failure]:
        await runner.startup()
        started.set_result(None)
        await stop.wait()
        return await runner.shutdown()

    task = asyncio.create_task(host(), name="django_lifespan_ctx.lifespan")
    try:
        await asyncio.wait({started, task}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        await asyncio.wait({task})
        raise
    if task.done():
        task.result()  # Startup failed: raises LifespanStartupError.
    try:
        yield State(runner.state)
    finally:
        stop.set()
        failures = await asyncio.shield(task)
    if failures:
        raise LifespanShutdownError(failures)
