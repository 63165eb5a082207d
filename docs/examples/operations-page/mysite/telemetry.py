# mysite/telemetry.py
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor


def configure_tracing():
    """Call once per process, before the lifespan starts (in asgi.py, say)."""
    provider = TracerProvider(resource=Resource.create({"service.name": "mysite"}))
    # One JSON line per span on stdout; in production, an OTLP exporter and a BatchSpanProcessor.
    exporter = ConsoleSpanExporter(formatter=lambda span: span.to_json(indent=None) + "\n")
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
