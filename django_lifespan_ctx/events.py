"""What the lifespan reports as it runs, for readiness probes and telemetry.

Observers are told when a phase (startup, shutdown) and each step in it
(a context's enter or exit, a signal receiver) start and finish. Group members
report from their own tasks, so their steps overlap as they really ran. An
observer that raises is logged and ignored: reporting never changes what the
lifespan does.
"""

from __future__ import annotations

import logging
from typing import Literal, Protocol

logger = logging.getLogger("django_lifespan_ctx")

Phase = Literal["startup", "shutdown"]
StepKind = Literal["context", "receiver"]


class LifespanObserver(Protocol):
    def phase_started(self, phase: Phase) -> None: ...

    def step_started(self, phase: Phase, kind: StepKind, name: str, origin: str) -> None: ...

    def step_finished(
        self,
        phase: Phase,
        kind: StepKind,
        name: str,
        origin: str,
        error: BaseException | None,
        keys: tuple[str, ...],
    ) -> None: ...

    def phase_finished(self, phase: Phase, error: BaseException | None) -> None: ...


_observers: list[LifespanObserver] = []


def add_observer(observer: LifespanObserver) -> None:
    if observer not in _observers:
        _observers.append(observer)


def remove_observer(observer: LifespanObserver) -> None:
    if observer in _observers:
        _observers.remove(observer)


def _tell(method: str, *args: object) -> None:
    for observer in list(_observers):
        try:
            getattr(observer, method)(*args)
        except Exception:
            logger.exception("Lifespan observer %r failed in %s; ignored.", observer, method)


def phase_started(phase: Phase) -> None:
    if _observers:
        _tell("phase_started", phase)


def step_started(phase: Phase, kind: StepKind, name: str, origin: str) -> None:
    if _observers:
        _tell("step_started", phase, kind, name, origin)


def step_finished(
    phase: Phase,
    kind: StepKind,
    name: str,
    origin: str,
    error: BaseException | None = None,
    keys: tuple[str, ...] = (),
) -> None:
    if _observers:
        _tell("step_finished", phase, kind, name, origin, error, keys)


def phase_finished(phase: Phase, error: BaseException | None = None) -> None:
    if _observers:
        _tell("phase_finished", phase, error)
