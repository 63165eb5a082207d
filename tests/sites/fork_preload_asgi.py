"""An ASGI module that runs the lifespan at import: `gunicorn --preload` imports it before it forks."""

from __future__ import annotations

import django

django.setup()

from django_lifespan_ctx import start_in_thread  # noqa: E402
from django_lifespan_ctx.asgi import get_asgi_application  # noqa: E402

# Say a warm-up script: the lifespan, in the server's master, before the workers fork.
start_in_thread().stop()

application = get_asgi_application()
