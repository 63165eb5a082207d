from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

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
        except BaseException as exc:
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
        except BaseException as exc:
            self.error = exc
            self.entered.set_result(None)
            return
        _entered(self.report, started)
        self.opened = True
        self.entered.set_result(None)
        cancelled = await _hold_until(self.release)
        started = time.perf_counter()
        try:
            await exit()
        finally:
            _exited(self.report, started)
        if cancelled:
            raise asyncio.CancelledError


async def _hold_until(release: asyncio.Event) -> bool:
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
        _, late = await asyncio.wait(tasks, timeout=seconds)
        failures: list[Failure] = []
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
    return f"exiting {entry.name!r}, when LIFESPAN_SHUTDOWN_TIMEOUT ({seconds:g} s) expired"


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
                where = f"{self._doing}, when LIFESPAN_STARTUP_TIMEOUT ({timeout:g} s) expired"
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

    def _merge(self, entry: Entry, yielded: Any, report: ContextReport) -> None:
        if yielded is None:
            return
        if not isinstance(yielded, Mapping):
            raise TypeError(
                f"{entry.name!r} yielded a {type(yielded).__name__}; a lifespan context "
                "must yield a mapping of state keys to values (a dict), or None."
            )
        value = cast("Mapping[object, Any]", yielded)
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"{entry.name!r} yielded the key {key!r}; state keys must be strings.")
            if key in self._owners:
                owner = self._owners[key]
                owner = owner if owner == SERVER else repr(owner)
                raise ValueError(
                    f"{entry.name!r} yielded the key {key!r}, which {owner} already "
                    "set. Rename one of the two keys: each key has one owner."
                )
        keys = cast("Mapping[str, Any]", value)
        self.state.update(keys)
        self._owners.update(dict.fromkeys(keys, entry.name))
        report.keys = tuple(keys)

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


class HostedRunner:
    """Runs a Runner's startup and shutdown in a task of its own.

    Contexts are then exited by the task that entered them even when start()
    and stop() are awaited from different tasks: test frameworks that set up
    and tear down fixtures in different tasks, or the first request of a
    server that sends no lifespan events and the hook that runs at its exit.
    """

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self._stop = asyncio.Event()
        self._task: asyncio.Task[list[Failure]] | None = None

    async def start(self) -> None:
        started = asyncio.get_running_loop().create_future()

        async def host() -> list[Failure]:
            await self.runner.startup()
            started.set_result(None)
            try:
                await self._stop.wait()
            except asyncio.CancelledError:
                # asyncio.run() cancels leftover tasks when the loop ends.
                await self.runner.shutdown()
                raise
            return await self.runner.shutdown()

        self._task = asyncio.create_task(host(), name="django_lifespan_ctx lifespan")
        try:
            await asyncio.wait({started, self._task}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            self._task.cancel()
            await asyncio.wait({self._task})
            raise
        if self._task.done():
            self._task.result()  # Startup failed: raises LifespanStartupError.

    async def stop(self) -> list[Failure]:
        assert self._task is not None, "stop() before start()"
        self._stop.set()
        return await asyncio.shield(self._task)


def lifespan_scope() -> dict[str, Any]:
    """A lifespan scope for runs that no server started."""
    return {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}


@asynccontextmanager
async def lifespan(*, contexts: Sequence[Any] | None = None) -> AsyncGenerator[State, None]:
    """Run the project's lifespan (contexts and signals) outside a server.

    ``contexts`` replaces LIFESPAN_CONTEXTS and registered contexts for this
    run; the signals are sent either way.
    """
    scope = lifespan_scope()
    host = HostedRunner(Runner(build_plan(contexts), sender=None, scope=scope, state=scope["state"]))
    await host.start()
    try:
        yield State(host.runner.state)
    finally:
        failures = await host.stop()
    if failures:
        raise LifespanShutdownError(failures)
