"""OpenTelemetry spans for the lifespan: one per phase, a child per context and receiver.

Background services get a span per run of a periodic job, and one per restart.

Turned on by ``LIFESPAN_OPENTELEMETRY = True``; needs the ``otel`` extra.
"""

from __future__ import annotations

import time
from typing import Any

try:
    from opentelemetry import trace
    from opentelemetry.context import Context, attach, detach
    from opentelemetry.trace import Span, Status, StatusCode, TracerProvider
except ImportError as exc:
    raise ImportError(
        "django_lifespan_ctx.contrib.otel needs OpenTelemetry: pip install 'django-lifespan-ctx[otel]'."
    ) from exc

from django_lifespan_ctx._engine.observers import Phase, Step, StepKind

TRACER_NAME = "django_lifespan_ctx"
"""The tracer name of the lifespan's spans, to filter or sample them by."""


class LifespanTracer:
    """A lifespan observer that turns phases and steps into spans.

    Spans are started with explicit parents and never made current, so no
    request span (nor anything else) can ever become their child.
    """

    def __init__(self, tracer_provider: TracerProvider | None = None) -> None:
        self.tracer_provider = tracer_provider
        self.phases: dict[Phase, Span] = {}
        self.steps: dict[tuple[Phase, StepKind, str], Span] = {}
        # Contexts entered in each phase: a second step for one of them is its
        # exit, as when a failed startup unwinds what it had entered.
        self.entered: set[tuple[Phase, str]] = set()

    def _tracer(self) -> trace.Tracer:
        # Looked up on each phase, so a provider installed after Django setup is used.
        return trace.get_tracer(TRACER_NAME, tracer_provider=self.tracer_provider)

    def phase_started(self, phase: Phase) -> None:
        self.entered = {known for known in self.entered if known[0] != phase}
        # An empty Context: a root span, whatever happens to be current.
        self.phases[phase] = self._tracer().start_span(
            f"lifespan {phase}", context=Context(), attributes={"lifespan.phase": phase}
        )

    def step_started(self, step: Step) -> None:
        phase, kind, name = step.phase, step.kind, step.name
        parent = self.phases.get(phase)
        context = trace.set_span_in_context(parent, Context()) if parent is not None else Context()
        attributes: dict[str, Any] = {
            "lifespan.phase": phase,
            "lifespan.step": kind,
            f"lifespan.{kind}": name,
            "lifespan.origin": step.origin,
        }
        if kind == "receiver":
            verb = "run"
        elif phase == "shutdown" or (phase, name) in self.entered:
            verb = "exit"
        else:
            verb = "enter"
        attributes["lifespan.action"] = verb
        self.steps[(phase, kind, name)] = self._tracer().start_span(
            f"{verb} {name}", context=context, attributes=attributes, start_time=time.time_ns()
        )

    def step_finished(self, step: Step) -> None:
        span = self.steps.pop((step.phase, step.kind, step.name), None)
        if span is None:
            return
        if step.kind == "context":
            self.entered.add((step.phase, step.name))
        span.set_attribute("lifespan.keys", list(step.keys))  # Names only: values may be secrets.
        _finish(span, step.error)

    def phase_finished(self, phase: Phase, error: BaseException | None) -> None:
        for key in [key for key in self.steps if key[0] == phase]:
            _finish(self.steps.pop(key), None)
        span = self.phases.pop(phase, None)
        if span is not None:
            _finish(span, error)


def _finish(span: Span, error: BaseException | None) -> None:
    if error is not None:
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
    span.end()


class ServiceTracer:
    """Spans for background services: one per run of a periodic job, and one per restart.

    A run's span is made current while the job runs, so the spans of what the
    job calls (an HTTP client, the database) are its children. Each is a root
    span of its own: a job is not part of any request.
    """

    def __init__(self, tracer_provider: TracerProvider | None = None) -> None:
        self.tracer_provider = tracer_provider

    def _tracer(self) -> trace.Tracer:
        return trace.get_tracer(TRACER_NAME, tracer_provider=self.tracer_provider)

    def run_started(self, name: str, interval: float) -> tuple[Span, object]:
        span = self._tracer().start_span(
            f"run {name}",
            context=Context(),
            attributes={"lifespan.service": name, "lifespan.service.interval_seconds": interval},
        )
        return span, attach(trace.set_span_in_context(span, Context()))

    def run_finished(self, run: tuple[Span, object], error: BaseException | None) -> None:
        span, token = run
        try:
            detach(token)  # type: ignore[arg-type]
        finally:
            _finish(span, error)

    def restarted(self, name: str, restarts: int, delay: float, error: BaseException | None) -> None:
        attributes: dict[str, Any] = {
            "lifespan.service": name,
            "lifespan.service.restarts": restarts,
            "lifespan.service.backoff_seconds": delay,
            "lifespan.service.error": type(error).__name__ if error is not None else "",
        }
        span = self._tracer().start_span(f"restart {name}", context=Context(), attributes=attributes)
        span.add_event("lifespan.service.restart", attributes)
        if error is not None:
            span.record_exception(error)
        span.end()
