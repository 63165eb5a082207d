"""The supervisor of one service: runs it in a task of its own, restarts it, stops it.

It logs a failure with its traceback and restarts under the service's policy
(schedule.py); a sync target runs in a daemon thread of the library's own and is
told to stop through an event. A service that will not stop is cancelled, then
reported and abandoned once LIFESPAN_SHUTDOWN_TIMEOUT has passed: shutdown never
waits for it forever.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol, cast

from django_lifespan_ctx._config.conf import conf
from django_lifespan_ctx._engine.calls import call_in_thread
from django_lifespan_ctx._engine.deadlines import Deadline, Waker, current_hurry
from django_lifespan_ctx._engine.observers import log
from django_lifespan_ctx._engine.plan import describe_error
from django_lifespan_ctx._engine.state import State
from django_lifespan_ctx._ops.readiness import ServiceStatus, tracker
from django_lifespan_ctx._ops.services.schedule import Backoff, Restart
from django_lifespan_ctx._ops.telemetry import service_telemetry


class Service(Protocol):
    """What the supervisor needs of a service (spec.py's classes): it never imports them."""

    name: str
    kind: str
    critical: bool
    restart: Restart
    backoff: tuple[float, float]

    def describe_policy(self) -> str: ...

    async def run(self, supervisor: Supervisor) -> None: ...


class ServiceError(Exception):
    """A background service was set up wrongly, or did not stop when told to."""


# How long a service gets to stop when LIFESPAN_SHUTDOWN_TIMEOUT is unset:
# Kubernetes' default grace period, so a stuck service is still reported
# before the kubelet's SIGKILL, and never waited for forever.
UNBOUNDED_STOP_GRACE = 30.0


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
        self.schedule = Backoff(service.restart, service.backoff)
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
                await self.service.run(self)
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
            if not self.schedule.restarts(error):
                self._give_up(error)
                return
            delay = self.schedule.delay(error, self.loop.time() - began)
            self.status.state = "restarting"
            self.status.restarts += 1
            self._log_restart(error, delay)
            service_telemetry.restarted(self.service.name, self.status.restarts, delay, error)
            try:
                await asyncio.sleep(delay)
            except asyncio.CancelledError:
                self.status.state = "stopped"
                return

    async def call(self, *extra: Any) -> None:
        """Call the target once: awaited if async, else in a daemon thread of the library's own."""
        if self.is_async:
            await self.function(self.state)
        else:
            await self._in_thread(self.function, self.state, *extra)

    async def _in_thread(self, function: Callable[..., Any], *args: Any) -> None:
        future: asyncio.Future[BaseException | None] = self.loop.create_future()

        def settle(result: Any, error: BaseException | None) -> None:
            if not future.done():
                future.set_result(error)

        # What is current here (the run's span, for one) is current in the thread too.
        context = contextvars.copy_context()
        call_in_thread(
            function, *args, name=f"lifespan {self.service!r}", done=settle, loop=self.loop, context=context
        )
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

    async def periodic(self, interval: float) -> None:
        """Call the target every ``interval`` seconds, never overlapping; up once a run succeeds."""
        next_run = self.loop.time()
        while True:
            wait = next_run - self.loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            began = self.loop.time()
            run = service_telemetry.run_started(self.service.name, interval)
            try:
                await self.call()
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
