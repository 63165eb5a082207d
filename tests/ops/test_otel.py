"""OpenTelemetry spans for the lifespan, read back from the SDK's in-memory exporter."""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from django_lifespan_ctx import LifespanStartupError, lifespan
from django_lifespan_ctx._engine import observers as events
from django_lifespan_ctx._ops.checks import check_operations
from django_lifespan_ctx.asgi import get_asgi_application
from django_lifespan_ctx.contrib.otel import LifespanTracer
from tests import contexts
from tests.asgi_driver import LifespanConversation, get

EXPORTER = InMemorySpanExporter()


@pytest.fixture(autouse=True)
def exporter() -> Iterator[InMemorySpanExporter]:
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
        trace.set_tracer_provider(provider)
    EXPORTER.clear()
    with override_settings(LIFESPAN_OPENTELEMETRY=True):
        yield EXPORTER
    EXPORTER.clear()


def by_name(spans: tuple[ReadableSpan, ...]) -> dict[str, ReadableSpan]:
    return {span.name: span for span in spans}


def parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


CONTEXTS = [contexts.alpha, (contexts.slow_one, contexts.slow_two), contexts.resource]


async def test_a_span_per_phase_with_a_child_per_context(exporter: InMemorySpanExporter) -> None:
    async with lifespan(contexts=CONTEXTS):
        pass
    spans = by_name(exporter.get_finished_spans())
    startup, shutdown = spans["lifespan startup"], spans["lifespan shutdown"]
    assert startup.parent is None and shutdown.parent is None
    assert startup.context.trace_id != shutdown.context.trace_id
    names = ["alpha", "slow_one", "slow_two", "resource"]
    for name in names:
        enter, exit = spans[f"enter tests.contexts.{name}"], spans[f"exit tests.contexts.{name}"]
        assert parent_id(enter) == startup.context.span_id and parent_id(exit) == shutdown.context.span_id
        assert enter.attributes is not None
        assert enter.attributes["lifespan.context"] == f"tests.contexts.{name}"
        assert str(enter.attributes["lifespan.origin"]).startswith("contexts[")
        assert tuple(enter.attributes["lifespan.keys"]) == (name,)  # type: ignore[arg-type]
        assert enter.status.status_code == StatusCode.UNSET
    # Group members ran together, and their spans say so.
    one, two = spans["enter tests.contexts.slow_one"], spans["enter tests.contexts.slow_two"]
    assert one.start_time is not None and two.start_time is not None
    assert one.end_time is not None and two.end_time is not None
    assert one.start_time < two.end_time and two.start_time < one.end_time
    assert startup.end_time is not None and startup.start_time is not None
    assert (startup.end_time - startup.start_time) / 1e9 < 0.55  # 0.3 s each, overlapping.


async def test_values_never_reach_the_spans(exporter: InMemorySpanExporter) -> None:
    async with lifespan(contexts=[contexts.alpha]):
        pass
    for span in exporter.get_finished_spans():
        assert "value of alpha" not in repr(dict(span.attributes or {}))


async def test_a_failure_is_recorded_and_sets_the_status(exporter: InMemorySpanExporter) -> None:
    with pytest.raises(LifespanStartupError):
        async with lifespan(contexts=[contexts.alpha, contexts.fails_on_enter]):
            pass
    spans = by_name(exporter.get_finished_spans())
    failed = spans["enter tests.contexts.fails_on_enter"]
    assert failed.status.status_code == StatusCode.ERROR
    assert failed.status.description == "RuntimeError: boom on enter"
    assert [event.name for event in failed.events] == ["exception"]
    assert spans["lifespan startup"].status.status_code == StatusCode.ERROR
    # The unwinding exit belongs to the failed startup.
    unwound = spans["exit tests.contexts.alpha"]
    assert parent_id(unwound) == spans["lifespan startup"].context.span_id
    assert unwound.attributes is not None and unwound.attributes["lifespan.action"] == "exit"
    assert "lifespan shutdown" not in spans


async def test_receivers_get_spans_too(exporter: InMemorySpanExporter) -> None:
    # Driven through the events module, as the runner reports a receiver.
    events.phase_started("startup")
    events.step_started("startup", "receiver", "myapp.signals.warm_cache", "asgi_startup")
    events.step_finished("startup", "receiver", "myapp.signals.warm_cache", "asgi_startup", None, ())
    events.step_started("startup", "context", "never.finished", "contexts[0]")
    events.phase_finished("startup", None)
    spans = by_name(exporter.get_finished_spans())
    receiver = spans["run myapp.signals.warm_cache"]
    assert receiver.attributes is not None and receiver.attributes["lifespan.receiver"] == (
        "myapp.signals.warm_cache"
    )
    assert parent_id(receiver) == spans["lifespan startup"].context.span_id
    assert "enter never.finished" in spans  # Ended with its phase, not leaked.


async def test_off_by_default(exporter: InMemorySpanExporter) -> None:
    with override_settings(LIFESPAN_OPENTELEMETRY=False):
        async with lifespan(contexts=[contexts.alpha]):
            pass
    assert exporter.get_finished_spans() == ()


async def test_the_startup_span_is_a_root_even_inside_another_span(exporter: InMemorySpanExporter) -> None:
    tracer = trace.get_tracer("tests")
    with tracer.start_as_current_span("deploy script"):
        async with lifespan(contexts=[contexts.alpha]):
            pass
    spans = by_name(exporter.get_finished_spans())
    assert spans["lifespan startup"].parent is None


async def test_request_traces_stay_separate_under_the_asgi_middleware(exporter: InMemorySpanExporter) -> None:
    app = OpenTelemetryMiddleware(get_asgi_application())
    conversation = LifespanConversation(app, state={})
    with override_settings(LIFESPAN_CONTEXTS=[contexts.alpha]):
        assert (await conversation.startup())["type"] == "lifespan.startup.complete"
        status, body = await get(app, "/state/", state=dict(conversation.scope["state"]))
        await conversation.shutdown()
    assert status == 200 and body["keys"] == ["alpha"]
    spans = exporter.get_finished_spans()
    lifespan_traces = {s.context.trace_id for s in spans if s.name.startswith(("lifespan", "enter", "exit"))}
    requests = [s for s in spans if s.name.startswith("GET")]
    assert requests, [s.name for s in spans]
    assert all(s.context.trace_id not in lifespan_traces for s in requests)
    server_span = next(s for s in requests if s.parent is None)
    assert server_span.kind == trace.SpanKind.SERVER


def test_a_tracer_with_its_own_provider() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = LifespanTracer(provider)
    tracer.phase_started("shutdown")
    tracer.step_finished(events.Step("shutdown", "context", "unknown", "x"))  # Never started: ignored.
    tracer.phase_finished("shutdown", RuntimeError("late"))
    tracer.phase_finished("startup", None)  # Never started: ignored.
    (span,) = exporter.get_finished_spans()
    assert span.status.status_code == StatusCode.ERROR


def test_without_the_extra_the_setting_is_a_check_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry.trace", None)
    messages = check_operations()
    assert [m.id for m in messages] == ["django_lifespan_ctx.E043"]
    assert "pip install 'django-lifespan-ctx[otel]'" in str(messages[0].hint)
    with override_settings(LIFESPAN_OPENTELEMETRY=False):
        assert check_operations() == []


def test_importing_the_integration_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)
    monkeypatch.delitem(sys.modules, "django_lifespan_ctx.contrib.otel")
    monkeypatch.delitem(sys.modules, "django_lifespan_ctx._ops.otel")
    with pytest.raises(ImportError, match=r"django-lifespan-ctx\[otel\]"):
        importlib.import_module("django_lifespan_ctx.contrib.otel")


def test_group_spans_overlap_when_reported_from_their_own_tasks(exporter: InMemorySpanExporter) -> None:
    async def member(name: str, started: asyncio.Event, other: asyncio.Event) -> None:
        events.step_started("startup", "context", name, "contexts[0][0]")
        started.set()
        await other.wait()
        events.step_finished("startup", "context", name, "contexts[0][0]", None, ())

    async def run() -> Any:
        a, b = asyncio.Event(), asyncio.Event()
        events.phase_started("startup")
        await asyncio.gather(member("one", a, b), member("two", b, a))
        events.phase_finished("startup", None)

    asyncio.run(run())
    spans = by_name(exporter.get_finished_spans())
    one, two = spans["enter one"], spans["enter two"]
    assert one.start_time is not None and two.end_time is not None
    assert two.start_time is not None and one.end_time is not None
    assert one.start_time < two.end_time and two.start_time < one.end_time
