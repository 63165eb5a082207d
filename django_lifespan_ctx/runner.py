"""Entering a plan in order, unwinding it on failure, exiting it on shutdown."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any, cast

from ._timeout import deadline
from .conf import conf
from .exceptions import Failure, LifespanStartupError
from .registry import Entry, Group, Plan, describe
from .signals import asgi_shutdown, asgi_startup
from .state import State
from .units import ContextReport, GroupUnit, Member, SingleUnit, log_entered, open_context

logger = logging.getLogger("django_lifespan_ctx")
SERVER = "the ASGI server"


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
        self._stack: list[SingleUnit | GroupUnit] = []
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
            if not isinstance(exc, Exception):
                raise  # Cancellation, KeyboardInterrupt, SystemExit: unwound, then passed on.
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
        value, exit = await open_context(entry, self.state)
        log_entered(report, started)
        # On the stack before the value is checked: a context that yields
        # something wrong has still been entered, and must still be exited.
        self._stack.append(SingleUnit(entry, exit, report))
        self._merge(entry, value, report)

    async def _enter_group(self, group: Group) -> None:
        members = [Member(entry, self._report(entry)) for entry in group.members]
        self._stack.append(GroupUnit(members))
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
