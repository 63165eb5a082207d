"""Our handler inside the wrappers users commonly put around it, one application each."""

from __future__ import annotations

from pathlib import Path

import sentry_sdk
from channels.routing import ProtocolTypeRouter  # type: ignore[import-untyped]
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from sentry_sdk.integrations.asgi import SentryAsgiMiddleware
from servestatic import ServeStaticASGI  # type: ignore[import-untyped]

from django_lifespan_ctx.asgi import get_asgi_application

django_application = get_asgi_application()

sentry_sdk.init()  # No DSN: nothing is sent anywhere.
sentry = SentryAsgiMiddleware(django_application)
opentelemetry = OpenTelemetryMiddleware(django_application)
servestatic = ServeStaticASGI(
    django_application, root=Path(__file__).parents[1] / "runserver_site" / "static_src"
)
channels = ProtocolTypeRouter({"lifespan": django_application, "http": django_application})
