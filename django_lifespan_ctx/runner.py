"""Entering a plan in order, unwinding it on failure, exiting it on shutdown.

The runner never runs context or receiver code itself: owners do (see units.py
and receivers.py). It waits for them with deadlines, so no step can hold it
past its limit, and it keeps unwinding through any number of cancellations,
so nothing entered is ever left behind.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, NoReturn, cast

from . import events
from .conf import conf
from .configuration import LifespanConfigurationError, ensure_configured
from .exceptions import Failure, LifespanStartupError
from .receivers import ReceiverCall, live_receivers
from .registry import Entry, Group, Plan, build_plan, describe
from .signals import asgi_shutdown, asgi_startup
from .state import State, shadowed_method_warning
from .statetype import check_state_type
from .units import ContextReport, Owner
from .words import article, capped_list, plural

logger = logging.getLogger("django_lifespan_ctx")
SERVER = "the ASGI server"


class Deadline:
    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.end = None if seconds is None else asyncio.get_running_loop().time() + seconds

    def remaining(self) -> float | None:
        if self.end is None:
            return None
        return max(0.0, self.end - asyncio.get_running_loop().time())

    def passed(self) -> bool:
        return self.remaining() == 0.0


class Runner:
    """Enters a plan's contexts on startup and exits them on shutdown.

    ``state`` is the server's lifespan state dict, if it gave one. The runner
    builds into a dict of its own and copies it there once startup succeeds,
    so shutdown never depends on what the server did to that dict since.
    ``contexts`` replaces LIFESPAN_CONTEXTS and registered contexts.
    """

    def __init__(
        self,
        *,
        sender: Any,
        scope: Mapping[str, Any],
        state: dict[str, Any] | None = None,
        contexts: Sequence[Any] | None = None,
    ) -> None:
        self.sender = sender
        self.scope = scope
        self.contexts = contexts
        self.server_state = state
        self.state: dict[str, Any] = dict(state or {})
        self.plan: Plan = ()
        self.reports: list[ContextReport] = []
        self.startup_timeout: float | None = None
        self.shutdown_timeout: float | None = None
        # Set when a cancellation arrived while unwinding: absorbed so that
        # every exit still runs, and passed on once they have.
        self.cancelled = False
        self._key_owners = dict.fromkeys(self.state, SERVER)
        self._layers: list[list[Owner]] = []
        self._receivers: list[ReceiverCall] = []
        self._doing = "reading the settings"
        self._failed_owner: Owner | None = None
        # Why startup failed, whatever the exception: what servers are told.
        self.failure: LifespanStartupError | None = None
        self._expired = False
        self._shut_down = False

    # -- startup ---------------------------------------------------------

    async def startup(self) -> None:
        started = time.perf_counter()
        events.phase_started("startup")
        try:
            ensure_configured(self.contexts)
            self.plan = build_plan(self.contexts)
            self.startup_timeout = conf.LIFESPAN_STARTUP_TIMEOUT
            self.shutdown_timeout = conf.LIFESPAN_SHUTDOWN_TIMEOUT
            deadline = Deadline(self.startup_timeout)
            for step in self.plan:
                await self._enter(step.members if isinstance(step, Group) else (step,), deadline)
            await self._send_startup(deadline)
            self._doing = "checking the state against LIFESPAN_STATE_TYPE"
            check_state_type(self.state, self._key_owners)
            self._doing = "logging that startup completed"
            self._log_complete(started)
        except BaseException as exc:
            await self._fail_startup(exc)
        if self.server_state is not None:
            self.server_state.update(self.state)
        events.phase_finished("startup", None)

    async def _fail_startup(self, exc: BaseException) -> NoReturn:
        for call in self._receivers:
            call.cancel()
        where = self._doing
        if self._expired:
            where += f", when LIFESPAN_STARTUP_TIMEOUT ({self.startup_timeout:g} s) expired"
        elif isinstance(exc, asyncio.CancelledError):
            where += ", when the server cancelled startup"
        failure = Failure(where, exc)
        cleanup = await self._unwind("startup")
        self.failure = error = LifespanStartupError(failure, cleanup)
        try:
            # A configuration problem is the whole story; our own traceback would only be noise.
            trace = None if isinstance(exc, LifespanConfigurationError) else exc
            logger.error("%s", error, exc_info=trace, extra={"lifespan_phase": "startup"})
        except Exception:  # pragma: no cover - a logging handler that raises
            pass
        events.phase_finished("startup", exc)
        if not isinstance(exc, Exception):
            raise exc  # Cancellation, KeyboardInterrupt, SystemExit: unwound, then passed on.
        raise error from exc

    def _report(self, entry: Entry) -> ContextReport:
        report = ContextReport(entry.name, entry.origin)
        self.reports.append(report)
        return report

    async def _enter(self, entries: Sequence[Entry], deadline: Deadline) -> None:
        layer = [Owner(entry, self._report(entry)) for entry in entries]
        self._layers.append(layer)
        snapshot = dict(self.state)
        for owner in layer:
            self._doing = f"entering {owner.entry.name!r}"
            owner.start(snapshot)
        while True:
            failed = next((owner for owner in layer if owner.enter_error is not None), None)
            if failed is not None:
                self._doing = f"entering {failed.entry.name!r}"
                self._failed_owner = failed
                raise failed.enter_error  # type: ignore[misc]
            waiting = [owner for owner in layer if not owner.entered.done()]
            if not waiting:
                break
            self._doing = "entering " + ", ".join(repr(owner.entry.name) for owner in waiting)
            await self._wait_first([owner.entered for owner in waiting], deadline)
        # In list order, so a duplicate key is reported the same way every time.
        for owner in layer:
            self._doing = f"merging what {owner.entry.name!r} yielded"
            self._merge(owner.entry.name, owner.value, owner.report)

    async def _wait_first(self, futures: Collection[asyncio.Future[None]], deadline: Deadline) -> None:
        done, _ = await asyncio.wait(
            futures, timeout=deadline.remaining(), return_when=asyncio.FIRST_COMPLETED
        )
        if not done:
            self._expired = True  # Ours, unlike a TimeoutError a context raises.
            raise TimeoutError

    def _merge(self, name: str, yielded: Any, report: ContextReport) -> None:
        if yielded is None:
            return
        if not isinstance(yielded, Mapping):
            raise TypeError(
                f"{name!r} yielded {article(type(yielded).__name__)}; a lifespan context "
                "must yield a mapping of state keys to values (a dict), or None."
            )
        value = dict(cast("Mapping[object, Any]", yielded))
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"{name!r} yielded the key {key!r}; state keys must be strings.")
            self._claim(key, name)
        keys = cast("dict[str, Any]", value)
        self.state.update(keys)
        report.keys = tuple(keys)

    def _claim(self, key: str, name: str) -> None:
        if key in self._key_owners:
            owner = self._key_owners[key]
            owner = owner if owner == SERVER else repr(owner)
            raise ValueError(
                f"{name!r} yielded the key {key!r}, which {owner} already "
                "set. Rename one of the two keys: each key has one owner."
            )
        self._key_owners[key] = name
        warn_if_shadowing(key, name)

    async def _send_startup(self, deadline: Deadline) -> None:
        self._doing = "sending asgi_startup"
        sync, asynchronous = live_receivers(asgi_startup, self.sender)
        # Django's order: sync receivers one by one, then async ones together.
        for receiver in sync:
            await self._startup_receivers([receiver], deadline)
        if asynchronous:
            await self._startup_receivers(asynchronous, deadline)

    async def _startup_receivers(self, receivers: list[Callable[..., Any]], deadline: Deadline) -> None:
        before = self._state_keys()
        calls = [self._call("startup", receiver) for receiver in receivers]
        self._receivers = calls
        while True:
            failed = next((call for call in calls if call.error is not None), None)
            if failed is not None:
                self._doing = f"running asgi_startup receiver {describe(failed.receiver)!r}"
                raise failed.error  # type: ignore[misc]
            waiting = [call for call in calls if not call.done.done()]
            if not waiting:
                break
            self._doing = "running asgi_startup receiver " + ", ".join(
                repr(describe(call.receiver)) for call in waiting
            )
            await self._wait_first([call.done for call in waiting], deadline)
        self._receivers = []
        self._adopt_receiver_keys(before, receivers)

    def _call(self, phase: events.Phase, receiver: Callable[..., Any]) -> ReceiverCall:
        signal = asgi_startup if phase == "startup" else asgi_shutdown
        arguments = {"signal": signal, "sender": self.sender, "scope": self.scope, "state": State(self.state)}
        call = ReceiverCall(receiver, arguments)
        name, origin = describe(receiver), f"asgi_{phase}"
        events.step_started(phase, "receiver", name, origin)
        call.done.add_done_callback(
            lambda _: events.step_finished(phase, "receiver", name, origin, call.error)
        )
        call.start()
        return call

    def _state_keys(self) -> set[str]:
        return set(self.state) | set(self.server_state or ())

    def _adopt_receiver_keys(self, before: set[str], receivers: list[Callable[..., Any]]) -> None:
        """Keys receivers wrote, into the state or into scope["state"], reach every runner's state."""
        new = self._state_keys() - before
        if not new:
            return
        # One receiver: its keys. Several at once: they ran together, so all of them.
        name = ", ".join(describe(receiver) for receiver in receivers)
        report = ContextReport(name, "asgi_startup", kind="receiver", keys=tuple(sorted(new)))
        self.reports.append(report)
        for key in sorted(new):
            if key not in self.state and self.server_state is not None:
                self.state[key] = self.server_state[key]
            self._key_owners[key] = name

    def _log_complete(self, started: float) -> None:
        milliseconds = (time.perf_counter() - started) * 1000
        logger.info(
            "Lifespan startup complete in %.1f ms: %s, state keys: %s",
            milliseconds,
            plural(len(self.contexts_reported()), "context"),
            capped_list(self.state),
            extra={"lifespan_phase": "startup", "lifespan_duration_ms": milliseconds},
        )

    def contexts_reported(self) -> list[ContextReport]:
        return [report for report in self.reports if report.kind == "context"]

    # -- shutdown --------------------------------------------------------

    async def shutdown(self) -> list[Failure]:
        """Exit everything; return every error rather than stop at the first."""
        if self._shut_down:
            return []
        self._shut_down = True
        started = time.perf_counter()
        events.phase_started("shutdown")
        failures = await self._send_shutdown()
        failures += await self._unwind("shutdown")
        milliseconds = (time.perf_counter() - started) * 1000
        try:
            for failure in failures:
                logger.error(
                    "Lifespan shutdown: error while %s",
                    failure,
                    exc_info=failure.error,
                    extra={"lifespan_phase": "shutdown"},
                )
            logger.info(
                "Lifespan shutdown complete in %.1f ms: %s, %s",
                milliseconds,
                plural(len(self.contexts_reported()), "context"),
                plural(len(failures), "error"),
                extra={"lifespan_phase": "shutdown", "lifespan_duration_ms": milliseconds},
            )
        except Exception as exc:  # A logging handler that raises must not hide the failures.
            failures.append(Failure("logging that shutdown completed", exc))
        events.phase_finished("shutdown", failures[0].error if failures else None)
        return failures

    async def _send_shutdown(self) -> list[Failure]:
        failures: list[Failure] = []
        sync, asynchronous = live_receivers(asgi_shutdown, self.sender)
        for group in [[receiver] for receiver in sync] + ([asynchronous] if asynchronous else []):
            calls = [self._call("shutdown", receiver) for receiver in group]
            failures += await self._settle(
                calls,
                done=lambda call: call.done,
                cancel=lambda call: call.cancel(),
                late=lambda call: (
                    f"running asgi_shutdown receiver {describe(call.receiver)!r}"
                    f", when LIFESPAN_SHUTDOWN_TIMEOUT ({self.shutdown_timeout:g} s) expired"
                ),
            )
            failures += [
                Failure(f"running asgi_shutdown receiver {describe(call.receiver)!r}", call.error)
                for call in calls
                if call.error is not None and not call.overdue
            ]
        return failures

    async def _unwind(self, phase: events.Phase) -> list[Failure]:
        # Each layer gets the full timeout: one slow exit is cut short and
        # reported, but never costs the contexts after it their exit.
        failures: list[Failure] = []
        while self._layers:
            layer = self._layers.pop()
            for owner in layer:
                owner.release(phase)
            failures += await self._settle(
                layer, done=lambda owner: owner.finished, cancel=Owner.cancel, late=self._late
            )
            for owner in layer:
                if owner.overdue:
                    continue
                if owner.opened and owner.exit_error is not None:
                    failures.append(Failure(f"exiting {owner.entry.name!r}", owner.exit_error))
                elif (
                    owner.report.failed and owner.enter_error is not None and owner is not self._failed_owner
                ):
                    # A group member that failed on its own while another's failure was unwinding.
                    failures.append(Failure(f"entering {owner.entry.name!r}", owner.enter_error))
        return failures

    def _late(self, owner: Owner) -> str:
        limit = f"LIFESPAN_SHUTDOWN_TIMEOUT ({self.shutdown_timeout:g} s)"
        owner.report.failed = True
        if owner.opened:
            still = "; its thread is still running" if owner.in_thread else ""
            return f"exiting {owner.entry.name!r}, when {limit} expired{still}"
        return (
            f"entering {owner.entry.name!r}, which was still entering when {limit} expired; "
            "its owner exits it as soon as the enter returns"
        )

    async def _settle(
        self,
        items: Sequence[Any],
        *,
        done: Callable[[Any], asyncio.Future[None]],
        cancel: Callable[[Any], None],
        late: Callable[[Any], str],
    ) -> list[Failure]:
        """Wait for each item's owner to finish, within the shutdown timeout, through cancellation.

        Past the deadline the owner is cancelled, and given as long again to
        stop: code that swallows the cancellation but then finishes keeps
        its turn. Whatever is still running after that is reported and left
        to its owner.
        """
        waiting = {done(item) for item in items if not done(item).done()}
        if not waiting:
            return []
        await self._wait_all(waiting, Deadline(self.shutdown_timeout))
        overdue = [item for item in items if not done(item).done()]
        if not overdue:
            return []
        failures = [Failure(late(item), TimeoutError()) for item in overdue]
        for item in overdue:
            item.overdue = True  # Reported as late: what the cancellation then raises is ours.
            cancel(item)
        await self._wait_all({done(item) for item in overdue}, Deadline(self.shutdown_timeout))
        return failures

    async def _wait_all(self, futures: set[asyncio.Future[None]], deadline: Deadline) -> None:
        pending = futures
        while pending and not deadline.passed():
            try:
                _, pending = await asyncio.wait(pending, timeout=deadline.remaining())
            except asyncio.CancelledError:
                # A second Ctrl+C, or a server's own shutdown timeout: keep
                # unwinding, and pass the cancellation on once done.
                self.cancelled = True
                uncancel = cast("Callable[[], int] | None", getattr(asyncio.current_task(), "uncancel", None))
                if uncancel is not None:
                    uncancel()


def warn_if_shadowing(key: str, context: str) -> None:
    message = shadowed_method_warning(key, context)
    if message:
        logger.warning(message, extra={"lifespan_context": context})
