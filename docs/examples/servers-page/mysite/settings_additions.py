# mysite/settings.py: add at the end
from django_lifespan_ctx import LifespanEntry
from django_lifespan_ctx.contexts import asgi_lifespan

INSTALLED_APPS.insert(0, "django_lifespan_ctx")

# Each app's lifespan runs as one entry: entered in this order, exited in reverse.
LIFESPAN_CONTEXTS: list[LifespanEntry] = [
    asgi_lifespan("mysite.other_apps.starlette_app"),
    asgi_lifespan("mysite.other_apps.fastapi_app"),
    asgi_lifespan("mysite.other_apps.mcp_app"),
]
