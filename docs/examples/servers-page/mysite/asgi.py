# mysite/asgi.py: replace the whole file
import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

from django_lifespan_ctx.asgi import get_asgi_application

django_app = get_asgi_application()

from mysite.other_apps import fastapi_app, mcp_app, starlette_app  # noqa: E402

ROUTES: list[tuple[str, Any]] = [
    ("/starlette/", starlette_app),
    ("/fastapi/", fastapi_app),
    ("/mcp", mcp_app),
]


async def application(scope: Any, receive: Any, send: Any) -> None:
    # The server sends lifespan events here; they go to Django's handler, which runs
    # the other apps' lifespans as entries of LIFESPAN_CONTEXTS.
    if scope["type"] in ("http", "websocket"):
        for prefix, app in ROUTES:
            if scope["path"].startswith(prefix):
                await app(scope, receive, send)
                return
    await django_app(scope, receive, send)
