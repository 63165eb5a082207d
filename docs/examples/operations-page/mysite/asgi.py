# mysite/asgi.py: replace the whole file
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

from mysite.telemetry import configure_tracing
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

from django_lifespan_ctx.asgi import get_asgi_application

configure_tracing()
# Request spans come from the ASGI instrumentation; the lifespan's come from LIFESPAN_OPENTELEMETRY.
application = OpenTelemetryMiddleware(get_asgi_application())
