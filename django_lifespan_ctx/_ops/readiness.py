"""What this process's lifespan is doing now, as its events report it: for readyz/."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from typing import Literal

from django_lifespan_ctx._engine.observers import Phase, Step, add_observer
from django_lifespan_ctx._engine.process import process_wide

ContextState = Literal["pending", "entered", "failed", "exiting", "exited"]
# "restarting": failed, and not working again yet. A background() service is running again
# once restarted; an every() job only once a run has succeeded, however long its retries take.
ServiceState = Literal["running", "restarting", "stopped", "failed"]
LifespanStatus = Literal["not started", "starting", "started", "failed", "stopping", "stopped"]


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


@dataclass
class ContextStatus:
    name: str
    origin: str
    state: ContextState = "pending"
    # A bare timestamp, turned into a datetime only when a probe asks: this is on
    # every context's startup path.
    entered_timestamp: float | None = None

    @property
    def entered_at(self) -> datetime.datetime | None:
        if self.entered_timestamp is None:
            return None
        return datetime.datetime.fromtimestamp(self.entered_timestamp, datetime.timezone.utc)


@dataclass
class ServiceStatus:
    """One background service or periodic job: the one record its supervisor writes and readyz/ reads."""

    name: str
    kind: Literal["background", "every"]
    critical: bool
    state: ServiceState = "running"
    restarts: int = 0
    last_failure_timestamp: float | None = None
    last_error: str | None = None  # The exception's type name: its text may hold secrets.
    # Between the service's enter and the end of its exit: what a new startup keeps.
    active: bool = True

    def failed_now(self, error: BaseException) -> None:
        self.last_failure_timestamp, self.last_error = time.time(), type(error).__name__

    @property
    def last_failure_at(self) -> datetime.datetime | None:
        if self.last_failure_timestamp is None:
            return None
        return datetime.datetime.fromtimestamp(self.last_failure_timestamp, datetime.timezone.utc)

    @property
    def up(self) -> bool:
        """Working since its last failure: what a critical service must be for readyz/ to say ready."""
        return self.state == "running"


class ReadinessTracker:
    """A lifespan observer that remembers the last lifespan that ran in this process."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.status: LifespanStatus = "not started"
        self.since: datetime.datetime | None = None
        self.contexts: dict[str, ContextStatus] = {}
        self.services: dict[str, ServiceStatus] = {}

    def add_service(self, status: ServiceStatus) -> None:
        # Keyed so that nothing can hide another: a service of the same name (another
        # lifespan's, in this process) gets a key of its own, and readyz/ lists both.
        key, copies = status.name, 1
        while key in self.services:
            copies += 1
            key = f"{status.name} ({copies})"
        self.services[key] = status

    @property
    def critical_services_down(self) -> list[ServiceStatus]:
        return [status for status in self.services.values() if status.critical and not status.up]

    @property
    def ready(self) -> bool:
        return self.status == "started"

    def _set(self, status: LifespanStatus) -> None:
        self.status, self.since = status, now()

    def phase_started(self, phase: Phase) -> None:
        if phase == "startup":
            self.contexts = {}
            # A finished lifespan's services go; one still running (another lifespan's) stays.
            self.services = {name: status for name, status in self.services.items() if status.active}
            self._set("starting")
        else:
            self._set("stopping")

    def phase_finished(self, phase: Phase, error: BaseException | None) -> None:
        if phase == "startup":
            self._set("failed" if error is not None else "started")
        else:
            self._set("stopped")

    # A context's state follows from what it was, not from the phase: the
    # exits that unwind a failed startup happen in the startup phase too.
    def step_started(self, step: Step) -> None:
        if step.kind != "context":
            return
        known = self.contexts.get(step.name)
        if known is not None and known.state == "entered":
            known.state = "exiting"
        else:
            self.contexts[step.name] = ContextStatus(step.name, step.origin)

    def step_finished(self, step: Step) -> None:
        if step.kind != "context":
            return
        known = self.contexts.get(step.name)
        if known is None:
            known = self.contexts[step.name] = ContextStatus(step.name, step.origin)
        if known.state == "exiting":
            known.state = "failed" if step.error is not None else "exited"
        elif step.error is not None:
            known.state = "failed"
        else:
            known.state, known.entered_timestamp = "entered", time.time()


tracker = ReadinessTracker()
process_wide(tracker.reset)
# Built in, not added by the app's ready(): readiness follows the lifespan
# that runs, whether or not django_lifespan_ctx is in INSTALLED_APPS.
add_observer(tracker)
