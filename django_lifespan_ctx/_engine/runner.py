"""Entering a plan in order, unwinding it on failure, exiting it on shutdown.

The runner never runs context or receiver code itself: owners do (see owner.py
and receivers.py). It waits for them with deadlines, so no step can hold it
past its limit, and it keeps unwinding through any number of cancellations,
so nothing entered is ever left behind.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn, cast

from django_lifespan_ctx._engine import observers as events
from django_lifespan_ctx._engine.deadlines import Deadline, Waker, current_hurry
from django_lifespan_ctx._engine.exceptions import Failure, LifespanConfigurationError, LifespanStartupError
from django_lifespan_ctx._engine.observers import log
from django_lifespan_ctx._engine.owner import ContextReport, Owner, uncancel_current_task
from django_lifespan_ctx._engine.plan import Entry, Plan, describe
from django_lifespan_ctx._engine.receivers import ReceiverCall, live_receivers
from django_lifespan_ctx._engine.runs import RunOwner
from django_lifespan_ctx._engine.setup import Setup
from django_lifespan_ctx._engine.signals import asgi_shutdown, asgi_startup
from django_lifespan_ctx._engine.state import State, shadowed_method_warning
from django_lifespan_ctx._engine.words import article, capped_list, plural

logger = logging.getLogger("django_lifespan_ctx")
SERVER = "the ASGI server"
# How long an async exit in a run, cancelled after a second stop signal, may take to stop
# when no shutdown timeout is set, before the exits still owed after it go to a fresh task.
HURRIED_GRACE = 1.0

# What the runner unwinds, last first: a group's (or one sync context's) owners, or a run owner.
Layer = list[Owner] | RunOwner


class Runner:
    """Enters a plan's contexts on startup and exits them on shutdown.

    ``state`` is the server's lifespan state dict, if it gave one. The runner
    builds into a dict of its own and copies it there once startup succeeds,
    so shutdown never depends on what the server did to that dict since.
    ``contexts`` replaces LIFESPAN_CONTEXTS and registered contexts.
    ``setup`` is what the layers above decide (see setup.py).
    """

    def __init__(
        self,
        *,
        setup: Setup,
        sender: Any,
        scope: Mapping[str, Any],
        state: dict[str, Any] | None = None,
        contexts: Sequence[Any] | None = None,
    ) -> None:
        self.setup = setup
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
        self._key_apps: dict[str, str] = {}  # Keys yielded by contexts that apps ship.
        # The one wait the runner ever does: owners and receiver calls wake it.
        self._waker = Waker()
        # A second stop signal (stop_signals.py) cuts every wait short.
        self.hurry = current_hurry()
        self._layers: list[Layer] = []
        self._receivers: list[ReceiverCall] = []
        self._doing: str | tuple[str, Sequence[Owner]] = "reading the settings"
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
            configured = self.setup.configure(self.contexts)
            self.plan = configured.plan
            self.startup_timeout = configured.startup_timeout
            self.shutdown_timeout = configured.shutdown_timeout
            deadline = Deadline(self.startup_timeout, self.hurry)
            # Consecutive single entries make a run, entered by one owner task (runs.py).
            run: list[Entry] = []
            for step in self.plan:
                if isinstance(step, Entry):
                    run.append(step)
                    continue
                if run:
                    await self._enter_run(run, deadline)
                    run = []
                await self._enter(step.members, deadline)
            if run:
                await self._enter_run(run, deadline)
            await self._send_startup(deadline)
            self.setup.after_startup(self.state, self._key_owners)
            self._doing = "checking the state against LIFESPAN_STATE_TYPE"
            configured.check_state(self.state, self._key_owners)
        except BaseException as exc:
            await self._fail_startup(exc)
        if self.server_state is not None:
            self.server_state.update(self.state)
        events.observe(events.LOGGING, self._log_complete, started)
        events.phase_finished("startup", None)

    async def _fail_startup(self, exc: BaseException) -> NoReturn:
        for call in self._receivers:
            call.cancel()
        where = self._describe_doing()
        if self._expired:
            where += f", when LIFESPAN_STARTUP_TIMEOUT ({self.startup_timeout:g} s) expired"
        elif isinstance(exc, asyncio.CancelledError):
            where += ", when the server cancelled startup"
        failure = Failure(where, exc)
        cleanup = await self._unwind("startup")
        self.failure = error = LifespanStartupError(failure, cleanup)
        # A configuration problem is the whole story; our own traceback would only be noise.
        trace = None if isinstance(exc, LifespanConfigurationError) else exc
        events.observe(
            events.LOGGING,
            logger.error,
            "%s",
            error,
            exc_info=trace,
            extra={"lifespan_phase": "startup"},
        )
        events.phase_finished("startup", exc)
        if not isinstance(exc, Exception):
            raise exc  # Cancellation, KeyboardInterrupt, SystemExit: unwound, then passed on.
        raise error from exc

    def _describe_doing(self) -> str:
        # Kept as data while all goes well: formatting it for every context would cost
        # more than entering a no-op context does.
        if isinstance(self._doing, str):
            return self._doing
        verb, owners = self._doing
        names = ", ".join(repr(owner.entry.name) for owner in owners)
        return f"merging what {names} yielded" if verb == "merging" else f"{verb} {names}"

    def _report(self, entry: Entry) -> ContextReport:
        report = ContextReport(entry.name, entry.origin)
        self.reports.append(report)
        return report

    def _owner(self, entry: Entry) -> Owner:
        return Owner(entry, self._report(entry), self._waker.wake)

    def _merge_owner(self, owner: Owner) -> None:
        value = owner.value
        if value is None or (type(value) is dict and not value):
            return  # As in _merge, one call sooner: a run merges after every context.
        self._merge(owner.entry, value, owner.report)

    async def _enter_run(self, entries: Sequence[Entry], deadline: Deadline) -> None:
        """Consecutive single entries, in one task each run; a sync one gets its own thread."""
        while entries:
            run = RunOwner(entries, self.state, self._owner, self._merge_owner, self._waker.wake)
            self._layers.append(run)
            self._doing = ("entering", (run.current,))
            run.start()
            first = True
            while run.entering:
                try:
                    await self._sleep(deadline, first)
                finally:
                    self._doing = ("entering", (run.current,))
                first = False
            failed = run.failed
            if failed is not None:
                if run.merge_error is not None:
                    self._doing = ("merging", (failed,))
                    raise run.merge_error
                self._doing = ("entering", (failed,))
                self._failed_owner = failed
                raise failed.enter_error  # type: ignore[misc]
            if run.pending_sync is None:
                return
            owner, made = run.pending_sync
            run.pending_sync = None
            await self._enter((owner.entry,), deadline, (owner, made))
            entries = entries[len(run.owners) :]

    async def _enter(
        self, entries: Sequence[Entry], deadline: Deadline, made: tuple[Owner, Any] | None = None
    ) -> None:
        """A group's members, each in its own task or thread; or, ``made``, a sync context a run made."""
        layer = [made[0]] if made is not None else [self._owner(entry) for entry in entries]
        self._layers.append(layer)
        # Each member gets a copy of the state so far as it starts (make_context);
        # nothing is merged until every member has entered.
        for owner in layer:
            self._doing = ("entering", (owner,))
            if made is not None:
                owner.start_made(made[1])
            else:
                owner.start(self.state)
        first = True
        while True:
            failed = next((owner for owner in layer if owner.enter_error is not None), None)
            if failed is not None:
                self._doing = ("entering", (failed,))
                self._failed_owner = failed
                raise failed.enter_error  # type: ignore[misc]
            waiting = [owner for owner in layer if not owner.enter_done]
            if not waiting:
                break
            self._doing = ("entering", waiting)
            await self._sleep(deadline, first)
            first = False
        # In list order, so a duplicate key is reported the same way every time.
        for owner in layer:
            self._doing = ("merging", (owner,))
            self._merge(owner.entry, owner.value, owner.report)

    async def _sleep(self, deadline: Deadline, first: bool = False) -> None:
        """Until an owner or receiver call changes; raise TimeoutError once the deadline passed.

        The first time, only one trip round the loop: an owner started or
        released just now runs in it before us, and most are done by then.
        """
        if first:
            await asyncio.sleep(0)
        else:
            await self._waker.sleep(deadline)
        if deadline.passed():
            self._expired = True  # Ours, unlike a TimeoutError a context raises.
            raise TimeoutError

    def _merge(self, entry: Entry, yielded: Any, report: ContextReport) -> None:
        name = entry.name
        if yielded is None or (type(yielded) is dict and not yielded):
            return  # Nothing to merge: the common case for resources kept elsewhere.
        if not isinstance(yielded, Mapping):
            raise TypeError(
                f"{name!r} yielded {article(type(yielded).__name__)}; a lifespan context "
                "must yield a mapping of state keys to values (a dict), or None."
            )
        value = dict(cast("Mapping[object, Any]", yielded))
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"{name!r} yielded the key {key!r}; state keys must be strings.")
            self._claim(key, entry)
        # Typed keys' values checked against their types; a test's fakes put in place.
        keys = self.setup.yielded(cast("dict[str, Any]", value), entry.owner)
        self.state.update(keys)
        report.keys = tuple(keys)

    def _claim(self, key: str, entry: Entry) -> None:
        if key in self._key_owners:
            owner = self._key_owners[key]
            if owner != SERVER:
                app = self._key_apps.get(key)
                owner = repr(owner) if app is None else f"{owner!r} (app {app!r})"
            raise ValueError(
                f"{entry.owner} yielded the key {key!r}, which {owner} already "
                "set. Rename one of the two keys: each key has one owner."
            )
        self._key_owners[key] = entry.name
        if entry.app is not None:
            self._key_apps[key] = entry.app
        warn_if_shadowing(key, entry.name)

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
        first = True
        while True:
            failed = next((call for call in calls if call.error is not None), None)
            if failed is not None:
                self._doing = f"running asgi_startup receiver {describe(failed.receiver)!r}"
                raise failed.error  # type: ignore[misc]
            waiting = [call for call in calls if not call.done]
            if not waiting:
                break
            self._doing = "running asgi_startup receiver " + ", ".join(
                repr(describe(call.receiver)) for call in waiting
            )
            await self._sleep(deadline, first)
            first = False
        self._receivers = []
        self._adopt_receiver_keys(before, receivers)

    def _call(self, phase: events.Phase, receiver: Callable[..., Any]) -> ReceiverCall:
        signal = asgi_startup if phase == "startup" else asgi_shutdown
        arguments = {"signal": signal, "sender": self.sender, "scope": self.scope, "state": State(self.state)}
        name, origin = describe(receiver), f"asgi_{phase}"

        def finished(call: ReceiverCall) -> None:
            events.step_finished(phase, "receiver", name, origin, call.error)

        call = ReceiverCall(receiver, arguments, self._waker.wake, finished)
        events.step_started(phase, "receiver", name, origin)
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
        log(
            logging.INFO,
            "Lifespan startup complete in %.1f ms: %s, state keys: %s",
            milliseconds,
            plural(len(self.contexts_reported()), "context"),
            capped_list(map(self.setup.key_label, self.state)),
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
        events.observe(events.LOGGING, self._log_shutdown, started, failures)
        events.phase_finished("shutdown", failures[0].error if failures else None)
        return failures

    def _log_shutdown(self, started: float, failures: list[Failure]) -> None:
        milliseconds = (time.perf_counter() - started) * 1000
        for failure in failures:
            log(
                logging.ERROR,
                "Lifespan shutdown: error while %s",
                failure,
                exc_info=failure.error,
                extra={"lifespan_phase": "shutdown"},
            )
        log(
            logging.INFO,
            "Lifespan shutdown complete in %.1f ms: %s, %s",
            milliseconds,
            plural(len(self.contexts_reported()), "context"),
            plural(len(failures), "error"),
            extra={"lifespan_phase": "shutdown", "lifespan_duration_ms": milliseconds},
        )

    async def _send_shutdown(self) -> list[Failure]:
        failures: list[Failure] = []
        sync, asynchronous = live_receivers(asgi_shutdown, self.sender)
        for group in [[receiver] for receiver in sync] + ([asynchronous] if asynchronous else []):
            calls = [self._call("shutdown", receiver) for receiver in group]
            failures += await self._settle(
                calls,
                done=lambda call: call.done,
                cancel=ReceiverCall.cancel,
                late=lambda call, deadline: (
                    f"running asgi_shutdown receiver {describe(call.receiver)!r}, "
                    f"when {self._limit(deadline)}"
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
            if isinstance(layer, RunOwner):
                layer.release(phase)
                failures += await self._settle_run(layer)
                owners = layer.owners[::-1]  # In the order they exited.
            else:
                for owner in layer:
                    owner.release(phase)
                failures += await self._settle(layer, done=owner_done, cancel=Owner.cancel, late=self._late)
                owners = layer
            for owner in owners:
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

    def _limit(self, deadline: Deadline) -> str:
        if deadline.hurried:
            return "a second stop signal said not to wait for it"
        return f"LIFESPAN_SHUTDOWN_TIMEOUT ({self.shutdown_timeout:g} s) expired"

    def _late(self, owner: Owner, deadline: Deadline) -> str:
        limit = self._limit(deadline)
        owner.report.failed = True
        if owner.opened:
            still = "; its thread is still running" if owner.in_thread else ""
            return f"exiting {owner.entry.name!r}, when {limit}{still}"
        return (
            f"entering {owner.entry.name!r}, which was still entering when {limit}; "
            "its owner exits it as soon as the enter returns"
        )

    async def _settle(
        self,
        items: Sequence[Any],
        *,
        done: Callable[[Any], bool],
        cancel: Callable[[Any], None],
        late: Callable[[Any, Deadline], str],
    ) -> list[Failure]:
        """Wait for each item's owner to finish, within the shutdown timeout, through cancellation.

        Past the deadline the owner is cancelled, and given as long again to
        stop: code that swallows the cancellation but then finishes keeps
        its turn. Whatever is still running after that is reported and left
        to its owner.
        """
        if all(done(item) for item in items):
            return []
        deadline = Deadline(self.shutdown_timeout, self.hurry)
        await self._wait_all(items, done, deadline)
        overdue = [item for item in items if not done(item)]
        if not overdue:
            return []
        failures = [Failure(late(item, deadline), TimeoutError()) for item in overdue]
        for item in overdue:
            item.overdue = True  # Reported as late: what the cancellation then raises is ours.
            cancel(item)
        if not deadline.hurried:  # Asked to hurry: what was cancelled finishes on its own.
            await self._wait_all(overdue, done, Deadline(self.shutdown_timeout, self.hurry))
        return failures

    async def _settle_run(self, run: RunOwner) -> list[Failure]:
        """Wait for a run owner's exits, each within its own shutdown timeout, through cancellation.

        As _settle, one context at a time: the one the run owner is exiting
        (or still entering) gets the timeout from when the runner saw it start;
        past it, it is reported and cancelled, and given as long again. If it
        still has not stopped, it is left to its task, and the exits still owed
        after it go to a fresh run owner, so it costs none of them their exit.
        """
        failures: list[Failure] = []
        watched = run.current
        deadline = Deadline(self.shutdown_timeout, self.hurry)
        cancelled = False
        first = True
        while not run.done:
            if run.current is not watched:
                watched, cancelled = run.current, False
                deadline = Deadline(self.shutdown_timeout, self.hurry)
            elif deadline.passed():
                if not cancelled:
                    failures.append(Failure(self._late(watched, deadline), TimeoutError()))
                    watched.overdue = True  # Reported as late: what the cancellation raises is ours.
                    run.cancel()
                    cancelled = True
                    grace = self.shutdown_timeout
                    if deadline.hurried and grace is None:
                        grace = HURRIED_GRACE
                    deadline = Deadline(grace, self.hurry)
                    continue
                fresh = run.hand_off()
                if fresh is None:
                    return failures
                run = fresh
                continue
            await self._pause(deadline, first)
            first = False
        return failures

    async def _wait_all(self, items: Sequence[Any], done: Callable[[Any], bool], deadline: Deadline) -> None:
        first = True
        while not all(done(item) for item in items) and not deadline.passed():
            await self._pause(deadline, first)
            first = False

    async def _pause(self, deadline: Deadline, first: bool) -> None:
        try:
            if first:
                await asyncio.sleep(0)  # As in _sleep: most owners are done after one trip.
            else:
                await self._waker.sleep(deadline)
        except asyncio.CancelledError:
            # A second Ctrl+C, or a server's own shutdown timeout: keep
            # unwinding, and pass the cancellation on once done.
            self.cancelled = True
            uncancel_current_task()


def owner_done(owner: Owner) -> bool:
    return owner.done


def warn_if_shadowing(key: str, context: str) -> None:
    message = shadowed_method_warning(key, context)
    if message:
        log(logging.WARNING, message, extra={"lifespan_context": context})
