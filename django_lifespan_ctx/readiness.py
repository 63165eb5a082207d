"""What this process's lifespan is doing now, as its events report it: for readyz/."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from typing import Literal

from ._engine.observers import Phase, StepKind, add_observer

ContextState = Literal["pending", "entered", "failed", "exiting", "exited"]
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


class ReadinessTracker:
    """A lifespan observer that remembers the last lifespan that ran in this process."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.status: LifespanStatus = "not started"
        self.since: datetime.datetime | None = None
        self.contexts: dict[str, ContextStatus] = {}

    @property
    def ready(self) -> bool:
        return self.status == "started"

    def _set(self, status: LifespanStatus) -> None:
        self.status, self.since = status, now()

    def phase_started(self, phase: Phase) -> None:
        if phase == "startup":
            self.contexts = {}
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
    def step_started(self, phase: Phase, kind: StepKind, name: str, origin: str) -> None:
        if kind != "context":
            return
        known = self.contexts.get(name)
        if known is not None and known.state == "entered":
            known.state = "exiting"
        else:
            self.contexts[name] = ContextStatus(name, origin)

    def step_finished(
        self,
        phase: Phase,
        kind: StepKind,
        name: str,
        origin: str,
        error: BaseException | None,
        keys: tuple[str, ...],
    ) -> None:
        if kind != "context":
            return
        known = self.contexts.get(name)
        if known is None:
            known = self.contexts[name] = ContextStatus(name, origin)
        if known.state == "exiting":
            known.state = "failed" if error is not None else "exited"
        elif error is not None:
            known.state = "failed"
        else:
            known.state, known.entered_timestamp = "entered", time.time()


tracker = ReadinessTracker()
# Built in, not added by the app's ready(): readiness follows the lifespan
# that runs, whether or not django_lifespan_ctx is in INSTALLED_APPS.
add_observer(tracker)
