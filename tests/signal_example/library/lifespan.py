import sys
from contextlib import asynccontextmanager

from django.apps import apps


def say(text):
    print(f"SIGNAL-EXAMPLE {text}", file=sys.stderr, flush=True)


@asynccontextmanager
async def watch_client():
    # Contexts are entered before asgi_startup and exited after asgi_shutdown.
    config = apps.get_app_config("library")
    say(f"client exists when contexts enter: {hasattr(config, 'httpx_client')}")
    yield None
    say(f"client closed when contexts exit: {config.httpx_client.is_closed}")
