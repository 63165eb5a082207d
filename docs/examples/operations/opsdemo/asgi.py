# --8<-- [start:asgi]
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

from django_lifespan_ctx.asgi import get_asgi_application
from opsdemo.telemetry import configure_tracing

configure_tracing()
# Request spans come from the ASGI instrumentation; the lifespan's come from LIFESPAN_OPENTELEMETRY.
application = OpenTelemetryMiddleware(get_asgi_application())
# --8<-- [end:asgi]
