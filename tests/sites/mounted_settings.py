"""Django beside other ASGI apps, each app's lifespan one entry (tests.sites.mounted_asgi)."""

from django_lifespan_ctx.contexts import asgi_lifespan
from tests.sites.server_settings import *

# --8<-- [start:entries]
LIFESPAN_CONTEXTS = [
    "tests.contexts.alpha",
    asgi_lifespan("tests.sites.mounted_asgi.starlette_app"),
    asgi_lifespan("tests.sites.mounted_asgi.fastapi_app"),
    asgi_lifespan("tests.sites.mounted_asgi.mcp_app"),
]
# --8<-- [end:entries]
