"""background() and every(): services the lifespan starts, supervises and stops.

Each is an entry for LIFESPAN_CONTEXTS, entered and exited by the engine's
owner like any other context. Its enter starts one supervisor task, after the
entries before it, so the service gets their state; its exit stops that task,
before those entries exit. The supervisor runs the target, logs a failure
with its traceback and restarts it with backoff; a sync target runs in a
daemon thread of the library's own and is told to stop through an event.
A service that will not stop is cancelled, then reported and abandoned once
LIFESPAN_SHUTDOWN_TIMEOUT has passed: shutdown never waits for it forever.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import random
import threading
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Literal, cast

from django.utils.module_loading import import_string

from django_lifespan_ctx._config.conf import conf
from django_lifespan_ctx._engine.deadlines import Deadline, Waker, current_hurry
from django_lifespan_ctx._engine.observers import log
from django_lifespan_ctx._engine.owner import close_thread_connections, post
from django_lifespan_ctx._engine.plan import describe, describe_error
from django_lifespan_ctx._engine.state import State
from django_lifespan_ctx._engine.threads import start_owned_thread
from django_lifespan_ctx._ops.readiness import ServiceStatus, tracker
from django_lifespan_ctx._ops.telemetry import service_telemetry

Restart = Literal["always", "on-failure", "never"]
RESTART_POLICIES: tuple[Restart, ...] = ("always", "on-failure", "never")
# How long a service gets to stop when LIFESPAN_SHUTDOWN_TIMEOUT is unset:
# Kubernetes' default grace period, so a stuck service is still reported
# before the kubelet's SIGKILL, and never waited for forever.
UNBOUNDED_STOP_GRACE = 30.0
_jitter = random.Random()


class ServiceError(Exception):
    """A background service was set up wrongly, or did not stop when told to."""


def _seconds(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


class Service:
    """The entry background() and every() return: list it in LIFESPAN_CONTEXTS like any other."""

    def __init__(
        self,
        target: Any,
        *,
        name: object,
        restart: object,
        backoff: object,
        critical: object,
        interval: float | None = None,
    ) -> None:
        # Typed loosely: settings.py is where these are written, and each gets a clear error.
        kind = "background" if interval is None else "every"
        if not (isinstance(target, str) and target) and not callable(target):
            raise TypeError(
                f"{kind}() needs a target: a dotted path or a function, not {target!r}. "
                "Write, for example, background('myapp.services.consume_queue')."
            )
        if name is not None and not (isinstance(name, str) and name):
            raise TypeError(f"{kind}(name=...) must be a non-empty string, not {name!r}.")
        if restart not in RESTART_POLICIES:
            raise ValueError(
                f"{kind}({self._shown(target, name)!r}, restart={restart!r}): restart must be "
                "'always', 'on-failure' or 'never'."
            )
        bounds = list(cast("list[Any]", backoff)) if isinstance(backoff, (tuple, list)) else []
        if not (len(bounds) == 2 and all(_seconds(bound) for bound in bounds) and bounds[0] <= bounds[1]):
            raise ValueError(
                f"{kind}({self._shown(target, name)!r}, backoff={backoff!r}): backoff must be two "
                "positive numbers of seconds, the shortest and the longest wait before a "
                "restart, such as (0.1, 30.0)."
            )
        if not isinstance(critical, bool):
            raise TypeError(f"{kind}(critical=...) must be True or False, not {critical!r}.")
        self.target, self.kind = target, kind
        self.name = self._shown(target, name)
        self.restart: Restart = restart
        self.critical, self.interval = critical, interval
        self.backoff = (float(bounds[0]), float(bounds[1]))

    @staticmethod
    def _shown(target: Any, name: object) -> str:
        if isinstance(name, str) and name:
            return name
        return target if isinstance(target, str) else describe(target)

    @property
    def lifespan_service_name(self) -> str:
        """What the plan reads to refuse two services of one name (_engine.plan, E019)."""
        return self.name

    def __repr__(self) -> str:
        if self.interval is None:
            return f"background({self.name!r})"
        return f"every({self.interval:g}, {self.name!r})"

    def describe_policy(self) -> str:
        """How it is supervised, in a few words: for ``manage.py lifespan --list``."""
        low, high = self.backoff
        policy = f"every {self.interval:g} s" if self.interval is not None else f"restart={self.restart}"
        return f"{policy}, backoff {low:g}-{high:g} s" + (", critical" if self.critical else "")

    def __call__(self, state: State) -> AbstractAsyncContextManager[None]:
        return self._supervised(state)

    @asynccontextmanager
    async def _supervised(self, state: State) -> AsyncGenerator[None, None]:
        function, is_async = self._resolve()
        supervisor = Supervisor(self, function, is_async, state)
        supervisor.start()
        try:
            yield None
        finally:
            await supervisor.stop()

    def _resolve(self) -> tuple[Callable[..., Any], bool]:
        """The target, imported now (settings.py may name a function defined after it), and if it is async."""
        function: Any = self.target
        if isinstance(function, str):
            try:
                function = import_string(function)
            except Exception as exc:
                raise ServiceError(
                    f"{self!r} could not import {self.target!r}: {describe_error(exc)}. "
                    "Check the dotted path: it must name a function, like 'myapp.services.refresh'."
                ) from exc
            if not callable(function):
                raise ServiceError(f"{self!r}: {self.target!r} is not a function.")
        is_async = inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
            getattr(function, "__call__", None)  # noqa: B004 - an object with an async __call__
        )
        takes_stop = self.interval is None and not is_async
        arguments = ("state", "stop") if takes_stop else ("state",)
        try:
            inspect.signature(function).bind(*arguments)
        except TypeError as exc:
            raise ServiceError(self._signature_hint(is_async, exc)) from exc
        except ValueError:
            pass  # No signature to read (some builtins): called all the same.
        return cast("Callable[..., Any]", function), is_async

    def _signature_hint(self, is_async: bool, exc: TypeError) -> str:
        if self.interval is not None:
            wanted = "def job(state)" if not is_async else "async def job(state)"
        elif is_async:
            wanted = "async def service(state), which runs until cancelled"
        else:
            wanted = "def service(state, stop), which returns once the threading.Event `stop` is set"
        return f"{self!r}: {self.kind}() cannot call the target ({exc}); write it as {wanted}."


def background(
    target: Any,
    *,
    name: str | None = None,
    restart: Restart = "on-failure",
    backoff: tuple[float, float] = (0.1, 30.0),
    critical: bool = False,
) -> Service:
    """A LIFESPAN_CONTEXTS entry that runs ``target`` for as long as the lifespan, supervised.

    ``target`` (a dotted path or a function) is ``async def target(state)``,
    which runs until cancelled, or ``def target(state, stop)``, run in a daemon
    thread of the library's own, which returns once the ``threading.Event``
    ``stop`` is set. ``state`` is what the entries before it yielded. A failure
    is logged with its traceback and restarted under ``restart`` (``"always"``,
    ``"on-failure"``, ``"never"``), waiting between ``backoff``'s bounds, longer
    after each failure in a row. ``critical=True`` makes readyz/ answer 503
    while the service is not running.
    """
    return Service(target, name=name, restart=restart, backoff=backoff, critical=critical)


def every(seconds: float, target: Any, *, name: str | None = None, critical: bool = False) -> Service:
    """A LIFESPAN_CONTEXTS entry that runs ``target(state)`` every ``seconds``, supervised.

    The first run starts with the service; runs never overlap, and one that
    takes longer than ``seconds`` is logged and the runs it overlapped are
    skipped. A sync ``target`` runs in a daemon thread of the library's own.
    A failed run is logged with its traceback and run again after a backoff
    of at most ``seconds``; ``critical=True`` makes readyz/ answer 503 until a
    run succeeds again.
    """
    if not _seconds(seconds):
        raise ValueError(f"every({seconds!r}, ...): the interval must be a positive number of seconds.")
    seconds = float(seconds)
    backoff = (min(1.0, seconds), seconds)
    return Service(target, name=name, restart="always", backoff=backoff, critical=critical, interval=seconds)


class Supervisor:
    """Runs one service in a task of its own, restarts it, and stops it when the lifespan exits.

    Nothing escapes the task: SystemExit or KeyboardInterrupt from the service
    is held and raised by the service's exit, once its owner's turn comes, so
    that every exit still runs first.
    """

    def __init__(self, service: Service, function: Callable[..., Any], is_async: bool, state: State) -> None:
        self.service, self.function, self.is_async, self.state = service, function, is_async, state
        self.loop = asyncio.get_running_loop()
        self.status = ServiceStatus(service.name, cast(Any, service.kind), service.critical)
        self.stopping = False
        self.stop_event = threading.Event()
        self.held: BaseException | None = None
        self.threads: set[asyncio.Future[BaseException | None]] = set()
        self._failures_in_a_row = 0
        self._waker = Waker()
        self._task: asyncio.Task[None] | None = None

    @property
    def finished(self) -> bool:
        """Neither the task nor any thread it started still runs."""
        return self._task is not None and self._task.done() and not self.threads

    def start(self) -> None:
        tracker.add_service(self.status)
        self._task = self.loop.create_task(self._supervise(), name=f"django_lifespan_ctx {self.service!r}")
        self._task.add_done_callback(lambda _: self._waker.wake())
        log(
            logging.INFO,
            "%r started (%s).",
            self.service,
            self.service.describe_policy(),
            extra=self._extra(),
        )

    def _extra(self) -> dict[str, Any]:
        return {"lifespan_service": self.service.name}

    # -- the supervisor task ------------------------------------------------

    async def _supervise(self) -> None:
        while True:
            began = self.loop.time()
            error: BaseException | None = None
            try:
                await self._run()
            except asyncio.CancelledError:
                if not self.stopping:
                    # Some servers cancel every task before the lifespan shutdown.
                    self.status.state = "stopped"
                    log(logging.WARNING, "%r was cancelled from outside; not restarted.", self.service)
                return
            except GeneratorExit:
                raise  # The loop closed under a service abandoned on it: nothing left to supervise.
            except BaseException as exc:
                error = exc
            if self.stopping:
                self._stopped_with(error)
                return
            if error is not None:
                self.status.failed_now(error)
                if not isinstance(error, Exception):
                    self._hold(error)
                    return
            if not self._restarts(error):
                self._give_up(error)
                return
            delay = self._delay(error, self.loop.time() - began)
            self.status.state = "restarting"
            self.status.restarts += 1
            self._log_restart(error, delay)
            service_telemetry.restarted(self.service.name, self.status.restarts, delay, error)
            try:
                await asyncio.sleep(delay)
            except asyncio.CancelledError:
                self.status.state = "stopped"
                return

    async def _run(self) -> None:
        # Up means working since the last failure: a service once it has started again,
        # a periodic job only once a run has succeeded again (_periodic says so).
        if self.service.interval is None:
            self.status.state = "running"
            await self._call(self.stop_event)
        else:
            await self._periodic(self.service.interval)

    async def _call(self, *extra: Any) -> None:
        if self.is_async:
            await self.function(self.state)
        else:
            await self._in_thread(self.function, self.state, *extra)

    async def _in_thread(self, function: Callable[..., Any], *args: Any) -> None:
        future: asyncio.Future[BaseException | None] = self.loop.create_future()
        # What is current here (the run's span, for one) is current in the thread too.
        context = contextvars.copy_context()

        def run() -> None:
            outcome: BaseException | None = None
            try:
                context.run(function, *args)
            except BaseException as exc:
                outcome = exc
            finally:
                try:
                    close_thread_connections()
                finally:
                    post(self.loop, _settle, future, outcome)

        start_owned_thread(run, name=f"lifespan {self.service!r}")
        self.threads.add(future)
        future.add_done_callback(self._thread_done)
        # Cancelling the wait leaves the thread running: the exit waits for it, with a deadline,
        # and what it raises on its way out is still reported (or held).
        try:
            outcome = await asyncio.shield(future)
        except asyncio.CancelledError:
            future.add_done_callback(self._late_outcome)
            raise
        if outcome is not None:
            raise outcome

    def _late_outcome(self, future: asyncio.Future[BaseException | None]) -> None:
        if not future.cancelled():
            self._stopped_with(future.result())

    def _thread_done(self, future: asyncio.Future[BaseException | None]) -> None:
        self.threads.discard(future)
        self._waker.wake()

    async def _periodic(self, interval: float) -> None:
        next_run = self.loop.time()
        while True:
            wait = next_run - self.loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            began = self.loop.time()
            run = service_telemetry.run_started(self.service.name, interval)
            try:
                await self._call()
            except BaseException as exc:
                service_telemetry.run_finished(run, None if self.stopping else exc)
                raise
            service_telemetry.run_finished(run, None)
            self.status.state = "running"
            took = self.loop.time() - began
            missed = int(took // interval)
            next_run = began + (missed + 1) * interval
            if missed:
                log(
                    logging.WARNING,
                    "%r: a run took %.2f s, longer than its %g s interval; runs never overlap, so "
                    "the next starts at the next tick (%d skipped).",
                    self.service,
                    took,
                    interval,
                    missed,
                    extra=self._extra(),
                )

    def _restarts(self, error: BaseException | None) -> bool:
        restart = self.service.restart
        return restart == "always" or (restart == "on-failure" and error is not None)

    def _delay(self, error: BaseException | None, ran: float) -> float:
        """Exponential backoff, reset by a run that lasted; jittered between half the ceiling and the ceiling.

        Half the ceiling is the floor, so a long crash loop makes at most one attempt every
        backoff[1] / 2 seconds: docs/services.md states this exact rule.
        """
        low, high = self.service.backoff
        if ran >= high:
            self._failures_in_a_row = 0
        if error is None:
            return low
        self._failures_in_a_row += 1
        ceiling = min(high, low * 2 ** min(self._failures_in_a_row - 1, 64))
        return _jitter.uniform(max(low, ceiling / 2), ceiling)

    def _log_restart(self, error: BaseException | None, delay: float) -> None:
        restart = self.status.restarts
        if error is None:
            message = "%r returned; restarting in %.2f s (restart %d, restart='always')."
            log(logging.INFO, message, self.service, delay, restart, extra=self._extra())
            return
        log(
            logging.ERROR,
            "%r failed: %s; restarting in %.2f s (restart %d).",
            self.service,
            describe_error(error),
            delay,
            restart,
            exc_info=error,
            extra=self._extra(),
        )

    def _give_up(self, error: BaseException | None) -> None:
        if error is None:
            self.status.state = "stopped"
            log(logging.INFO, "%r returned; not restarted (restart=%r).", self.service, self.service.restart)
            return
        self.status.state = "failed"
        log(
            logging.ERROR,
            "%r failed: %s; not restarted (restart=%r).",
            self.service,
            describe_error(error),
            self.service.restart,
            exc_info=error,
            extra=self._extra(),
        )

    def _hold(self, error: BaseException) -> None:
        self.held, self.status.state = error, "failed"
        log(
            logging.ERROR,
            "%r raised %s; not restarted. It is held until every exit has run, then raised.",
            self.service,
            type(error).__name__,
            extra=self._extra(),
        )

    def _stopped_with(self, error: BaseException | None) -> None:
        """What a service raised as it stopped: a failure still, but no reason to restart."""
        if error is None or isinstance(error, asyncio.CancelledError):
            return
        self.status.failed_now(error)
        if not isinstance(error, Exception):
            self._hold(error)
            return
        log(
            logging.ERROR,
            "%r failed while stopping: %s",
            self.service,
            describe_error(error),
            exc_info=error,
            extra=self._extra(),
        )

    # -- the exit ----------------------------------------------------------

    async def stop(self) -> None:
        """Cancel the service (and set its stop event); wait for it, with a deadline."""
        self.stopping = True
        self.stop_event.set()
        assert self._task is not None
        self._task.cancel()
        grace = conf.LIFESPAN_SHUTDOWN_TIMEOUT
        grace = UNBOUNDED_STOP_GRACE if grace is None else grace
        deadline = Deadline(grace, current_hurry())
        try:
            while not self.finished and not deadline.passed():
                await self._waker.sleep(deadline)
        except asyncio.CancelledError:
            # The runner's own deadline for this exit passed first.
            self._abandon(grace)
            raise
        finally:
            self.status.active = False
        if not self.finished:
            raise ServiceError(self._abandon(grace))
        if self.status.state in ("running", "restarting"):
            self.status.state = "stopped"
        log(logging.INFO, "%r stopped.", self.service, extra=self._extra())
        if self.held is not None:
            raise self.held

    def _abandon(self, grace: float) -> str:
        if self._task is not None:
            self._task.cancel()  # Once more: code that swallowed one cancellation may heed another.
        self.status.state = "failed"
        what = "its thread ignores its stop event" if self.threads else "it swallows its cancellation"
        message = (
            f"{self.service!r} did not stop within {grace:g} s of being told to ({what}); abandoned, "
            "still running. An async service must let asyncio.CancelledError propagate; a sync "
            "one must return once its `stop` event is set."
        )
        log(logging.ERROR, "%s", message, extra=self._extra())
        return message


def _settle(future: asyncio.Future[BaseException | None], outcome: BaseException | None) -> None:
    if not future.done():
        future.set_result(outcome)
