"""Sends the lifespan's events to OpenTelemetry when LIFESPAN_OPENTELEMETRY is on.

Background services' runs and restarts go there too (ServiceTelemetry).
"""

from __future__ import annotations

from typing import Any

from django_lifespan_ctx._config.conf import conf
from django_lifespan_ctx._engine.observers import LifespanObserver, Phase, Step, observe


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
            from django_lifespan_ctx._ops.otel import LifespanTracer

            self._tracer = LifespanTracer()
        return self._tracer

    def phase_started(self, phase: Phase) -> None:
        if conf.LIFESPAN_OPENTELEMETRY:
            self._active[phase] = self._make()
            self._active[phase].phase_started(phase)

    def step_started(self, step: Step) -> None:
        if step.phase in self._active:
            self._active[step.phase].step_started(step)

    def step_finished(self, step: Step) -> None:
        if step.phase in self._active:
            self._active[step.phase].step_finished(step)

    def phase_finished(self, phase: Phase, error: BaseException | None) -> None:
        observer = self._active.pop(phase, None)
        if observer is not None:
            observer.phase_finished(phase, error)


telemetry = SettingsTelemetry()


class ServiceTelemetry:
    """Spans for background services and periodic jobs, when LIFESPAN_OPENTELEMETRY is on.

    Each call is an observer's: whatever OpenTelemetry raises is reported once
    and ignored, so a failing exporter never stops a job or a restart.
    """

    def __init__(self) -> None:
        self._tracer: Any = None

    def _make(self) -> Any:
        if self._tracer is None:
            from django_lifespan_ctx._ops.otel import ServiceTracer

            self._tracer = ServiceTracer()
        return self._tracer

    def run_started(self, name: str, interval: float) -> Any:
        """A span for one run of a periodic job, made current; None when telemetry is off."""
        if not conf.LIFESPAN_OPENTELEMETRY:
            return None
        started: list[Any] = []
        observe(SERVICE_SPANS, lambda: started.append(self._make().run_started(name, interval)))
        return started[0] if started else None

    def run_finished(self, run: Any, error: BaseException | None) -> None:
        if run is not None:
            observe(SERVICE_SPANS, self._make().run_finished, run, error)

    def restarted(self, name: str, restarts: int, delay: float, error: BaseException | None) -> None:
        if conf.LIFESPAN_OPENTELEMETRY:
            observe(SERVICE_SPANS, self._make().restarted, name, restarts, delay, error)


SERVICE_SPANS = "OpenTelemetry (background service spans)"
service_telemetry = ServiceTelemetry()
