"""Sends the lifespan's events to OpenTelemetry when LIFESPAN_OPENTELEMETRY is on."""

from __future__ import annotations

from ._engine.observers import LifespanObserver, Phase, StepKind
from .conf import conf


class SettingsTelemetry:
    """Always observing; forwards to the OpenTelemetry tracer only when the setting says so.

    The setting is read as each phase starts, so override_settings works, and
    OpenTelemetry is imported only by projects that turned it on.
    """

    def __init__(self) -> None:
        self._tracer: LifespanObserver | None = None
        self._active: dict[Phase, LifespanObserver] = {}

    def _make(self) -> LifespanObserver:
        if self._tracer is None:
            from .contrib.otel import LifespanTracer

            self._tracer = LifespanTracer()
        return self._tracer

    def phase_started(self, phase: Phase) -> None:
        if conf.LIFESPAN_OPENTELEMETRY:
            self._active[phase] = self._make()
            self._active[phase].phase_started(phase)

    def step_started(self, phase: Phase, kind: StepKind, name: str, origin: str) -> None:
        if phase in self._active:
            self._active[phase].step_started(phase, kind, name, origin)

    def step_finished(
        self,
        phase: Phase,
        kind: StepKind,
        name: str,
        origin: str,
        error: BaseException | None,
        keys: tuple[str, ...],
    ) -> None:
        if phase in self._active:
            self._active[phase].step_finished(phase, kind, name, origin, error, keys)

    def phase_finished(self, phase: Phase, error: BaseException | None) -> None:
        observer = self._active.pop(phase, None)
        if observer is not None:
            observer.phase_finished(phase, error)


telemetry = SettingsTelemetry()
