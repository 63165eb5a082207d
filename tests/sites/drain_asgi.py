"""HTTP and the lifespan to our handler, WebSockets to a consumer, through CurrentStateMiddleware."""

from django_lifespan_ctx.asgi import get_asgi_application

django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from tests.sites.drain_consumers import LiveUpdates  # noqa: E402

application = ProtocolTypeRouter(
    {
        "lifespan": django_application,
        "http": django_application,
        "websocket": URLRouter([path("ws/live/", LiveUpdates.as_asgi())]),
    }
)
