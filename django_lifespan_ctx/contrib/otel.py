"""OpenTelemetry spans for the lifespan: one per phase, a child per context and receiver.

Turned on by ``LIFESPAN_OPENTELEMETRY = True``; needs the ``otel`` extra
(``pip install 'django-lifespan-ctx[otel]'``).
"""

from __future__ import annotations

from django_lifespan_ctx._ops.otel import TRACER_NAME, LifespanTracer

__all__ = ["TRACER_NAME", "LifespanTracer"]
